// The Kubernetes manifests in deploy/k8s, checked offline: every document validates against the
// Kubernetes API's OpenAPI schemas (kubernetes-models) or KEDA's CRD schema (@kubernetes-models/keda),
// a planted error is caught, the pieces deploy.md promises are there, and every flag the containers
// pass is one `pixelwise` accepts. (What an offline check cannot show: that a cluster schedules
// the pods, that the volume is ReadWriteMany, that KEDA is installed; see docs/deploy.md.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, any> };
const MODELS: Record<string, new (d: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment, 'v1 Service': Service, 'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'keda.sh/v1alpha1 ScaledObject': ScaledObject,
};
const read = (f: string) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => { assert.deepEqual(d.errors, [], f); return d.toJS() as Doc; });
const serve = read('deploy/k8s/serve.yaml'), worker = read('deploy/k8s/worker.yaml');
const validate = (d: Doc) => {
  const M = MODELS[`${d.apiVersion} ${d.kind}`];
  assert.ok(M, `no schema for ${d.apiVersion} ${d.kind}`);
  new M(d).validate();
};

test('deploy/k8s: every document validates against its API schema', () => {
  for (const d of [...serve, ...worker]) validate(d);
  assert.deepEqual(serve.map((d) => d.kind), ['Deployment', 'Service', 'HorizontalPodAutoscaler']);
  assert.deepEqual(worker.map((d) => d.kind), ['Deployment', 'ScaledObject']);
});

test('deploy/k8s: the validator catches a planted error (a string where the API wants an integer)', () => {
  const bad = structuredClone(serve[0]);
  bad.spec.replicas = 'two';
  assert.throws(() => validate(bad), /replicas/);
  const badScaler = structuredClone(worker[1]);
  badScaler.spec.triggers = 'redis';
  assert.throws(() => validate(badScaler), /triggers/);
});

test('deploy/k8s: probes on /healthz, limits, non-root, HPA on CPU for serve; the worker scaled on the queue\'s wait list', () => {
  const [dep, svc, hpa] = serve;
  const c = dep.spec.template.spec.containers[0];
  assert.equal(c.readinessProbe.httpGet.path, '/healthz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
  assert.equal(dep.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.deepEqual(svc.spec.selector, dep.spec.template.metadata.labels);
  assert.equal(hpa.spec.scaleTargetRef.name, dep.metadata.name);
  assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  const [wdep, scaler] = worker;
  assert.equal(scaler.spec.scaleTargetRef.name, wdep.metadata.name);
  // BullMQ keeps a queue's waiting jobs in the list bull:NAME:wait (test/batch checks it on a real Redis).
  assert.equal(scaler.spec.triggers[0].metadata.listName, 'bull:pixelwise:wait');
  assert.ok(wdep.spec.template.spec.terminationGracePeriodSeconds >= 60);
});

test('deploy/k8s and Dockerfile: every flag a container passes is one the pixelwise command accepts', () => {
  const docker = /CMD (\[.*\])/.exec(fs.readFileSync('Dockerfile', 'utf8'))![1];
  const lists = [JSON.parse(docker) as string[], ...[serve[0], worker[0]].map((d) => d.spec.template.spec.containers[0].args as string[])];
  for (const args of lists) {
    const at = args.findIndex((a) => a.startsWith('--'));
    const help = spawnSync(process.execPath, ['bin/pixelwise.js', ...args.slice(0, at), '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.match(help.stdout, new RegExp(`${flag}\\b`), `${args.slice(0, at).join(' ')}: ${flag}`);
  }
});
