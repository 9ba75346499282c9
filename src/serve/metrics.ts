// Prometheus metrics of `pixelwise serve` (prom-client): requests by route and status, request
// latency, inference time per model, and the inference queue's depth, read when scraped.
import client from 'prom-client';

export class ServerMetrics {
  readonly registry = new client.Registry();
  readonly requests = new client.Counter({ name: 'pixelwise_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  readonly latency = new client.Histogram({ name: 'pixelwise_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly inference = new client.Histogram({ name: 'pixelwise_inference_seconds', help: 'Decode + inference + rendering time of one image in a worker', labelNames: ['model'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly rejected = new client.Counter({ name: 'pixelwise_queue_rejections_total', help: 'Requests answered 503 because the inference queue was full', registers: [this.registry] });

  constructor(queue: { depth: number; running: number }) {
    new client.Gauge({ name: 'pixelwise_inference_queue_depth', help: 'Images waiting for an inference worker', registers: [this.registry], collect() { this.set(queue.depth); } });
    new client.Gauge({ name: 'pixelwise_inference_running', help: 'Images being processed by workers', registers: [this.registry], collect() { this.set(queue.running); } });
    client.collectDefaultMetrics({ register: this.registry, prefix: 'pixelwise_' });
  }
}
