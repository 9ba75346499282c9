// The queue's state as Prometheus metrics (prom-client, the text format `serve`'s /metrics uses):
// printed by `batch status --metrics` (for a textfile collector) and served by a worker started
// with a metrics port (for scraping).
import http from 'node:http';
import client from 'prom-client';
import type { Queue } from 'bullmq';
import { status } from './queue.js';
import type { BatchJobData } from './jobs.js';

/** A registry whose gauges read the queue's status at each scrape. */
export function queueRegistry(queue: Queue<BatchJobData>, name: string): client.Registry {
  const registry = new client.Registry();
  // One read of the queue per scrape, shared by the gauges (prom-client collects them together).
  let reading: { at: number; status: ReturnType<typeof status> } | null = null;
  const read = () => {
    if (!reading || Date.now() - reading.at > 500) reading = { at: Date.now(), status: status(queue, 0) };
    return reading.status;
  };
  new client.Gauge({
    name: 'pixelwise_batch_jobs', help: 'Batch jobs by state', labelNames: ['queue', 'state'], registers: [registry],
    async collect() { const s = await read(); for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: name, state }, s[state]); },
  });
  new client.Gauge({ name: 'pixelwise_batch_completed', help: 'Batch jobs completed since the queue began', labelNames: ['queue'], registers: [registry], async collect() { this.set({ queue: name }, (await read()).completed); } });
  new client.Gauge({ name: 'pixelwise_batch_jobs_per_second', help: 'Batch jobs completed per second over the last minutes', labelNames: ['queue'], registers: [registry], async collect() { this.set({ queue: name }, (await read()).perSecond); } });
  return registry;
}

/** GET /metrics on `port` (0: any free port); resolves with the server and its port. */
export async function serveMetrics(registry: client.Registry, port: number, host = '0.0.0.0'): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') { res.writeHead(404).end(); return; }
    registry.metrics().then((text) => { res.writeHead(200, { 'content-type': registry.contentType }).end(text); }, (e: Error) => { res.writeHead(503).end(`${e.message}\n`); });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
  return { server, port: (server.address() as import('node:net').AddressInfo).port };
}
