// The ONNX Runtime (onnxruntime-node, CPU) runtime of the network interface (network.ts), with the
// label map computed in the graph and graphs specialised to a repeated input shape.
import { cpuCores } from '../util/cores.js';
import fs from 'node:fs';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { quietOrt } from '../engine/private/onnxruntime_node.js';
import { int, onnx, UINT8, valueInfo } from '../formats/onnx_proto.js';
import type { Network } from './network.js';
import { argmaxPadded } from './label_map.js';
import { argumentError, UserError } from '../util/errors.js';
import { specializeOnnx } from './onnx_static.js';
import { fixedInputSize, readModel } from '../formats/onnx_view.js';
import { enlargesEnough, labelsFromHead, linearResizeTail, probeInput, type ResizeTail } from './onnx_tail.js';

type Ort = typeof import('onnxruntime-node');
let ortModule: Ort | null = null;
export async function ort(): Promise<Ort> {
  if (!ortModule) { ortModule = await import('onnxruntime-node'); quietOrt(ortModule.env); }
  return ortModule;
}

const LABELS = 'pixelwise_labels';

/**
 * Appends ArgMax over the class axis (+ Cast to uint8) to a segmentation graph, as a second
 * output: the label map then comes out of ONNX Runtime's native kernels, 1 byte per pixel,
 * instead of a JS loop over all C logit planes. null when the graph cannot be read.
 */
export function withLabelsOutput(bytes: Uint8Array): Uint8Array | null {
  try {
    const m = onnx.ModelProto.decode(bytes);
    const g = m.graph!;
    const logits = g.output![0].name!;
    g.node!.push(
      { opType: 'ArgMax', input: [logits], output: [`${LABELS}_i64`], name: `${LABELS}/ArgMax`, attribute: [int('axis', 1), int('keepdims', 0)] },
      { opType: 'Cast', input: [`${LABELS}_i64`], output: [LABELS], name: `${LABELS}/Cast`, attribute: [int('to', UINT8)] },
    );
    g.output!.push(valueInfo(LABELS, UINT8, ['N', 'H', 'W']));
    return onnx.ModelProto.encode(m).finish();
  } catch {
    return null;
  }
}

/** Whether the graph's image input fixes its batch at 1 (graphs exported for one image a pass). */
function takesOneImage(bytes: Uint8Array): boolean {
  try {
    const g = readModel(bytes).graph, weights = new Set(g.initializer.map((t) => t.name));
    return g.input.find((v) => !weights.has(v.name))?.dims?.[0] === 1;
  } catch { return false; }
}

export function defaultThreads(): number { return cpuCores(); }

/** A thread count as given (ONNX Runtime's own refusal would blame the model file). */
export function checkThreads(threads: unknown): void {
  if (threads !== undefined && !(Number.isInteger(threads) && (threads as number) >= 1)) throw argumentError('threads', typeof threads === 'string' ? JSON.stringify(threads) : threads, 'expected a whole number of threads, 1 or more (default: all cores)');
}


/**
 * How the networks of one worker pool (threaded.ts: the same model in each worker) share the
 * graph specialised to an input shape: the first to ask builds it and publishes it, the others
 * keep the generic graph until it is offered to them (offerSpecialisation), so it is built once.
 */
export interface SpecialisationExchange {
  /** Whether this network should build the graph for `key` (true for the first to ask). */
  request(key: string): Promise<boolean>;
  /** The built graph for `key`, or null when building failed. */
  publish(key: string, graph: Uint8Array | null): void;
}
let exchange: SpecialisationExchange | null = null;
const offered = new Map<string, Uint8Array>();

/**
 * Turns on specialisation for this thread's networks, shared through `x` (the worker pool's
 * threads; a video's frames all have one shape, so the shorter runs pay for one build).
 */
export function shareSpecialisations(x: SpecialisationExchange | null): void { exchange = x; offered.clear(); }

/** A specialised graph that another network built, taken up by this thread's networks on their next run of that shape. */
export function offerSpecialisation(key: string, graph: Uint8Array): void { offered.set(key, graph); }

/**
 * One graph's ONNX Runtime sessions: the generic one, and the one specialised to an input shape
 * (onnx_static.ts), built when a shape of up to 2^18 pixels comes twice in a row, in a worker pool
 * (shared, see SpecialisationExchange) or when asked: shorter runs, for a build and an open that
 * take a fraction of a second each. Built by each of two networks it cost a short video more than
 * it gained; built once and shared it pays (docs/benchmarks.md).
 */
class GraphSessions {
  /** null: not yet; false: failed or off. */
  private fixed: { key: string; session: Session } | null | false = null;
  private lastKey = '';
  /** Shapes this graph's network asked the pool to build (once each). */
  private readonly asked = new Set<string>();
  /**
   * @param tag tells this graph's shapes from another graph's in the pool's exchange
   * @param session the generic graph's session, released while the specialised one serves (reopened on demand)
   */
  constructor(readonly graph: Uint8Array, private readonly opts: Record<string, unknown>, private readonly tag: string, private session: Session | null = null) {}

  /** The input shape (NxCxHxW) of the specialised graph, if one was built. */
  get specialisedFor(): string | null { return this.fixed ? this.fixed.key.slice(this.tag.length) : null; }

  async sessionFor(dims: number[], specialize: boolean): Promise<Session> {
    const key = this.tag + dims.join('x');
    if (this.fixed && this.fixed.key === key) return this.fixed.session;
    // Inputs up to 2^18 pixels only: larger ones (a full run with every shape kept, a second
    // optimisation) took seconds and hundreds of MB to build for no measured gain.
    const small = dims[2] * dims[3] <= 1 << 18;
    const on = exchange != null || specialize;
    if (this.fixed === null && small && on) {
      const graph = offered.get(key) ?? (this.lastKey === key && !this.asked.has(key) ? await this.build(dims, key) : undefined);
      if (graph) {
        try {
          this.fixed = { key, session: await (await ort()).InferenceSession.create(graph, this.opts) };
          // Released meanwhile (its buffers held a whole run's activations); opened again if
          // another shape comes.
          await this.session?.release();
          this.session = null;
          return this.fixed.session;
        } catch {
          this.fixed = false;
        }
      } else if (graph === null) this.fixed = false; // a graph the specialisation cannot handle: the generic one stays correct
    }
    this.lastKey = key;
    this.session ??= await (await ort()).InferenceSession.create(this.graph, this.opts);
    return this.session;
  }

  /** Builds the specialised graph (and publishes it to the pool); undefined when another network builds it, null when it failed. */
  private async build(dims: number[], key: string): Promise<Uint8Array | null | undefined> {
    this.asked.add(key);
    if (exchange && !(await exchange.request(key))) return undefined;
    let graph: Uint8Array | null = null;
    try { graph = await specializeOnnx(await ort(), this.graph, dims); } catch { graph = null; }
    exchange?.publish(key, graph);
    return graph;
  }

  /** Closes the sessions (their buffers hold a whole run's activations); a later run opens them again. */
  async release(): Promise<void> {
    if (this.fixed) await this.fixed.session.release();
    if (this.fixed) this.fixed = null;
    await this.session?.release();
    this.session = null;
  }
}

interface Output { data: Float32Array | Uint8Array; dims: readonly number[] }

/** Whether a head enlarges its scores enough to give the label maps (onnx_tail.ts's probe). */
async function enlargesEnoughOn(o: Ort, session: Session, tail: ResizeTail): Promise<boolean> {
  const { data, dims } = probeInput(tail);
  try {
    return enlargesEnough((await session.run({ [session.inputNames[0]]: new o.Tensor('float32', data, dims) }, [tail.output]))[tail.output].dims, dims);
  } catch {
    return false;
  }
}

export class OnnxNetwork implements Network {
  readonly runtime = 'onnx' as const;
  private readonly full: GraphSessions;
  /**
   * Where the graph ends in a linear Resize that enlarges the class scores enough (onnx_tail.ts):
   * the graph without it, whose low-resolution scores give the label map
   * (linear_resize_argmax.ts: the one the Resize and ArgMax give) without the full-size score
   * planes, the Resize and the ArgMax. run() keeps the whole graph (opened when first asked).
   */
  private readonly head: (ResizeTail & { sessions: GraphSessions }) | null;
  /** The graph takes one image a pass: batches run image by image. */
  private readonly oneImage: boolean;
  readonly inputSize: [number, number] | null;
  private constructor(session: Session | null, private readonly numClasses: number,
    /** Whether label maps come from an ArgMax appended to the graph (else an argmax in JS). */
    readonly labelsInGraph: boolean,
    graph: Uint8Array, opts: Record<string, unknown>, private readonly logits: string, head: { tail: ResizeTail; session: Session } | null) {
    this.full = new GraphSessions(graph, opts, '', session);
    this.head = head && { ...head.tail, sessions: new GraphSessions(head.tail.head, opts, 'head:', head.session) };
    this.oneImage = takesOneImage(graph);
    this.inputSize = fixedInputSize(graph);
  }

  /** `numClasses`: up to 256 classes, the label map comes out of the graph (uint8). */
  static async create(model: Uint8Array | string, numClasses: number, threads = defaultThreads()): Promise<OnnxNetwork> {
    checkThreads(threads);
    const o = await ort();
    // Pool threads sleep between runs instead of spinning: the caller's own work between runs
    // (decoding, resizing, drawing, ffmpeg's encoder) needs those cores (video runs faster so).
    // A run that fails rejects with ONNX Runtime's message, which the caller reports or uses (the
    // import probes sizes a graph may refuse); its own log line of it is held back.
    const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const, logSeverityLevel: 4 as const, extra: { session: { intra_op: { allow_spinning: '0' } } } };
    const bytes = typeof model === 'string' ? fs.readFileSync(model) : model;
    const fused = numClasses <= 256 ? withLabelsOutput(bytes) : null;
    // One graph opened, not both: the head where it gives the label maps, else the whole graph.
    let head: { tail: ResizeTail; session: Session } | null = null;
    if (fused) {
      try {
        const tail = linearResizeTail(bytes);
        const session = tail && await o.InferenceSession.create(tail.head, opts);
        if (tail && session) {
          if (await enlargesEnoughOn(o, session, tail)) head = { tail, session };
          else await session.release();
        }
      } catch { head = null; }
    }
    let session: Session | null = null;
    if (!head) {
      try { session = await o.InferenceSession.create(fused ?? bytes, opts); } catch (e) {
        const name = typeof model === 'string' ? model : 'the exported model';
        throw new UserError(`${name}: not a model ONNX Runtime can load (${(e as Error).message.split('\n')[0]}); re-create it with \`pixelwise export\``);
      }
    }
    return new OnnxNetwork(session, numClasses, fused != null, fused ?? bytes, opts, head?.tail.logits ?? session!.outputNames[0], head);
  }

  /**
   * Specialise the graph to an input shape that comes twice in a row (up to 2^18 pixels) outside a
   * worker pool too (in a pool, sharing the build, it is always on).
   */
  specialize = false;

  /** The input shape (NxCxHxW) of the specialised graph, if one was built (the head's, for label maps from it). */
  get specialisedFor(): string | null { return this.head?.sessions.specialisedFor ?? this.full.specialisedFor; }

  /** Whether label maps come from the graph cut before its last Resize (else from the whole graph). */
  get labelsFromHead(): boolean { return this.head != null; }

  /** Runs one at a time: a session may be swapped (and the old one released) between two runs, never during one. */
  private queue: Promise<unknown> = Promise.resolve();

  private inTurn<T>(f: () => Promise<T>): Promise<T> {
    const job = this.queue.then(f);
    this.queue = job.catch(() => {});
    return job;
  }

  private async runNow(sessions: GraphSessions, x: Float32Array, dims: number[], output: string): Promise<Output> {
    if (this.oneImage && dims[0] > 1) return this.imageByImage(sessions, x, dims, output);
    const o = await ort();
    const session = await sessions.sessionFor(dims, this.specialize);
    const r = await session.run({ [session.inputNames[0]]: new o.Tensor('float32', x, dims) }, [output]);
    return { data: r[output].data as Float32Array | Uint8Array, dims: r[output].dims };
  }

  private async imageByImage(sessions: GraphSessions, x: Float32Array, dims: number[], output: string): Promise<Output> {
    const n = dims[0], per = x.length / n, parts: Output[] = [];
    for (let i = 0; i < n; i++) parts.push(await this.runNow(sessions, x.slice(i * per, (i + 1) * per), [1, ...dims.slice(1)], output));
    const first = parts[0].data, data = new (first.constructor as Float32ArrayConstructor | Uint8ArrayConstructor)(first.length * n);
    parts.forEach((p, i) => data.set(p.data, i * first.length));
    return { data, dims: [n, ...parts[0].dims.slice(1)] };
  }

  /** The network's output [n, C, h, w] for an NCHW input whose h, w are multiples of the stride. */
  async run(x: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    return (await this.inTurn(() => this.runNow(this.full, x, dims, this.logits))).data as Float32Array;
  }

  /** The label map [n, h, w]: from the head's scores, or the ArgMax appended to the graph, else the argmax of the output. */
  async labels(x: Float32Array, dims: [number, number, number, number]): Promise<Uint8Array> {
    if (!this.labelsInGraph) {
      const [n, , h, w] = dims, out = await this.run(x, dims), labels = new Uint8Array(n * h * w);
      for (let i = 0; i < n; i++) labels.set(argmaxPadded(out, i, this.numClasses, h, w, w, h), i * h * w);
      return labels;
    }
    return this.inTurn(async () => {
      const fast = this.head ? await this.headLabels(x, dims) : null;
      return fast ?? (await this.runNow(this.full, x, dims, LABELS)).data as Uint8Array;
    });
  }

  /** The label map from the head's scores (null: onnx_tail.ts's labelsFromHead refused its output). */
  private async headLabels(x: Float32Array, dims: number[]): Promise<Uint8Array | null> {
    const head = this.head!, { data, dims: d } = await this.runNow(head.sessions, x, dims, head.output);
    return labelsFromHead(data, d, dims, head.mode);
  }

  async dispose(): Promise<void> {
    await this.full.release();
    await this.head?.sessions.release();
  }
}
