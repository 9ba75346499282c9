// The server's OpenAPI 3.1 document (GET /openapi.json), for client generators and API explorers.
// Built from what the server registers: every route it has must be described here (a test fails on
// one that is not, so the document cannot fall behind), and /v1/segment's query parameters come
// from the zod schema that validates them.
import { z } from 'zod';

/** A registered route: its method and fastify URL (`/v1/models/:name/model.json`). */
export interface RouteSeen { method: string; url: string }

interface Operation { summary: string; description?: string; responses: Record<string, string>; query?: Record<string, string>; body?: 'image' | 'json' }

const JSON_ERRORS = { 400: 'a bad parameter or body: `{ "error": "..." }`, one line naming it' };

/** What each route does, by "METHOD URL"; the Label Studio routes are described once for both prefixes. */
const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': { summary: 'liveness: models served, queue depth, jobs running', responses: { 200: 'JSON' } },
  'GET /metrics': { summary: 'Prometheus metrics: requests by route and status, latency, inference time, queue', responses: { 200: 'Prometheus text format' } },
  'GET /openapi.json': { summary: 'this document', responses: { 200: 'OpenAPI 3.1 JSON' } },
  'GET /v1/models': { summary: 'the models served: classes with colours, input rules, runtimes', responses: { 200: 'JSON `{ models: [...] }`' } },
  'GET /v1/models/{name}/model.json': { summary: 'a model\'s card (migrated to the current version)', responses: { 200: 'JSON', 404: 'no such model' } },
  'GET /v1/models/{name}/{file}': { summary: 'a model\'s ONNX graph (model.onnx), for the browser module', responses: { 200: 'application/octet-stream', 404: 'no such model or file' } },
  'POST /v1/segment': {
    summary: 'segment an image', body: 'image',
    description: 'The image as the request body (Content-Type image/* or application/octet-stream) or as a multipart file, whose text fields are parameters as the query\'s are (each given once, in one place or the other). `output` picks the answer: the indexed label PNG, the colour mask, the overlay, JSON of the classes present, a labelling tool\'s pre-annotation of the image, or confidence masks. The Server-Timing header gives load, decode, inference and render times; X-Image-Size the image\'s size.',
    responses: { 200: 'image/png, image/jpeg, application/json, application/xml or text/plain, by `output`', ...JSON_ERRORS, 404: 'no such model', 413: 'the upload is over --max-body or --max-pixels', 415: 'not an image pixelwise reads, or no image body', 422: 'an image the model cannot take', 503: 'the queue is full (Retry-After)', 504: 'past --timeout' },
  },
  'GET /v1/runs': { summary: 'the training runs in --runs', responses: { 200: 'JSON `{ runs, dir }`' } },
  'GET /v1/runs/{name}/log': { summary: 'a training run\'s epochs (loss, validation scores)', responses: { 200: 'JSON', 404: 'no such run' } },
  'GET /ls/{model}': { summary: 'Label Studio ML backend: the model URL itself answers as /health', responses: { 200: 'JSON' } },
  'GET /health': { summary: 'Label Studio ML backend: health (the models served)', responses: { 200: 'JSON `{ status: "UP", model_class, models }`' } },
  'POST /setup': { summary: 'Label Studio ML backend: a project\'s labelling config, host and access token', body: 'json', responses: { 200: 'JSON `{ model_version }`', ...JSON_ERRORS, 422: 'config labels that stand for no class of the model' } },
  'POST /predict': { summary: 'Label Studio ML backend: pre-annotations of tasks (brush or polygon regions)', body: 'json', responses: { 200: 'JSON `{ results, model_version }`', ...JSON_ERRORS, 502: 'a task image Label Studio would not give' } },
  'GET /is_training': { summary: 'Label Studio ML backend: whether a project trains, and the last training\'s outcome', query: { project: 'the project id' }, responses: { 200: 'JSON `{ is_training, last? }`' } },
  'POST /webhook': { summary: 'Label Studio webhooks: START_TRAINING and annotation events train the project\'s model (serve --ls-train)', body: 'json', responses: { 200: 'an event not for training: ignored', 201: 'training started or queued', 501: 'serve runs without --ls-train' } },
  'POST /train': { summary: 'Label Studio ML backend (before 1.8): train the project\'s model (serve --ls-train)', body: 'json', responses: { 201: 'training started or queued', 501: 'serve runs without --ls-train' } },
};

/** Routes served as files (the page, the browser runtime): one entry in the document. */
const isStatic = (r: RouteSeen) => r.url.endsWith('*') || r.method === 'HEAD';

/** The OpenAPI path of a fastify URL: `:name` -> `{name}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** The operation describing a route: its own, or for /ls/{model}/X the one of /X (Label Studio's prefixed form). */
function operationOf(r: RouteSeen): Operation | undefined {
  const p = openApiPath(r.url);
  return OPERATIONS[`${r.method} ${p}`] ?? OPERATIONS[`${r.method} ${p.replace(/^\/ls\/\{model\}(?=\/)/, '')}`];
}

/** Registered routes this document does not describe (the server refuses to start with any). */
export function undescribedRoutes(routes: RouteSeen[]): string[] {
  return routes.filter((r) => !isStatic(r) && !operationOf(r)).map((r) => `${r.method} ${r.url}`);
}

export function openApiDocument(routes: RouteSeen[], segmentQuery: z.ZodObject, version: string): object {
  const query = z.toJSONSchema(segmentQuery, { io: 'input' }) as { properties: Record<string, { description?: string } & Record<string, unknown>> };
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const op = operationOf(r);
    if (isStatic(r) || !op) continue;
    const p = openApiPath(r.url);
    const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParams = r.method === 'POST' && p === '/v1/segment'
      ? Object.entries(query.properties).map(([name, { description, ...schema }]) => ({ name, in: 'query', required: false, ...(description ? { description } : {}), schema }))
      : Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }));
    const requestBody = op.body === 'image'
      ? { required: true, content: { 'image/*': { schema: { type: 'string', format: 'binary' } }, 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, ...(p === '/v1/segment' ? query.properties : {}) } } } } }
      : op.body === 'json' ? { required: true, content: { 'application/json': { schema: { type: 'object' } } } } : undefined;
    (paths[p] ??= {})[r.method.toLowerCase()] = {
      summary: op.summary, ...(op.description ? { description: op.description } : {}),
      ...(pathParams.length || queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: Object.fromEntries(Object.entries(op.responses).map(([status, description]) => [status, { description }])),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'pixelwise serve', version, description: 'Semantic segmentation over HTTP: the models served, segmentation of an uploaded image, a Label Studio ML backend. The web page is at /.' },
    paths,
  };
}
