// npm run bench:runtimes [-- --quick]
// Inference latency per 360x480 image for ESPNet (the imported CamVid checkpoint when ../shared is
// present) and the U-Net, TF.js wasm vs ONNX Runtime, batch 1 and 8, with each configuration's peak
// RSS measured in its own child process. Writes docs/runtimes.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.ts';
import { peakRssMb } from '../src/util/peak_rss.ts';
import { SegModel } from '../src/models/seg_model.ts';
import { exportOnnx } from '../src/io/onnx_export.ts';
import { OnnxNetwork } from '../src/inference/onnx_runtime.ts';
import { readTorchCheckpoint } from '../src/formats/pytorch.ts';
import { convertTorchStateDict } from '../src/io/torch_convert.ts';

const PTH = path.resolve('../shared/data/espnet-camvid/espnet_p_2_q_8_camvid.pth');
const H = 360, W = 480;
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

async function one(arch: string, runtime: string, batch: number, iters: number): Promise<void> {
  await initEngine('wasm');
  const m = new SegModel(arch === 'espnet' ? { arch, numClasses: 12 } : { arch, numClasses: 12, width: 16, depth: 4 });
  if (arch === 'espnet' && fs.existsSync(PTH)) m.loadNamedWeights(convertTorchStateDict(m, readTorchCheckpoint(PTH), PTH).weights, PTH);
  const s = m.stride, ph = Math.ceil(H / s) * s, pw = Math.ceil(W / s) * s;
  const x = Float32Array.from({ length: batch * 3 * ph * pw }, (_, i) => Math.sin(i) * 0.5);
  let run: () => Promise<void>;
  if (runtime === 'onnx') {
    const ort = await OnnxNetwork.create(exportOnnx(m), 12);
    run = async () => { await ort.run(x, [batch, 3, ph, pw]); };
  } else {
    run = async () => { const y = tf.tidy(() => m.forward(tf.tensor4d(x, [batch, ph, pw, 3]))); await y.data(); y.dispose(); };
  }
  await run();
  const t: number[] = [];
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); await run(); t.push(performance.now() - t0); }
  process.stdout.write(JSON.stringify({ msPerImage: median(t) / batch, rssMb: peakRssMb() }) + '\n');
}

async function main() {
  const a = process.argv.slice(2);
  if (a[0] === '--one') return one(a[1], a[2], +a[3], +a[4]);
  const quick = a.includes('--quick');
  const rows: string[] = [];
  const results: Record<string, { msPerImage: number; rssMb: number }> = {};
  for (const arch of ['espnet', 'unet']) {
    for (const batch of [1, 8]) {
      for (const rt of ['tfjs', 'onnx']) {
        const iters = quick ? 2 : batch === 1 ? 7 : 3;
        const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/runtimes.ts', '--one', arch, rt, String(batch), String(iters)], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${arch} ${rt} b${batch}: ${r.stderr}`);
        const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
        results[`${arch}/${rt}/${batch}`] = j;
        process.stderr.write(`${arch} ${rt} b${batch}: ${j.msPerImage.toFixed(1)} ms/image, peak RSS ${j.rssMb.toFixed(0)} MB\n`);
      }
      const t = results[`${arch}/tfjs/${batch}`], o = results[`${arch}/onnx/${batch}`];
      rows.push(`| ${arch} | ${batch} | ${t.msPerImage.toFixed(1)} | ${o.msPerImage.toFixed(1)} | ${(t.msPerImage / o.msPerImage).toFixed(2)}x | ${t.rssMb.toFixed(0)} | ${o.rssMb.toFixed(0)} |`);
    }
  }
  const espWeights = fs.existsSync(PTH) ? 'the imported CamVid checkpoint' : 'random weights (../shared absent)';
  const md = `# Inference runtimes\n\nMachine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npm run bench:runtimes${quick ? ' -- --quick' : ''}\`.\n` +
    `360x480 input (padded to the model stride), logits only; ESPNet with ${espWeights}, U-Net width 16 (1.94 M parameters). ` +
    `TF.js wasm uses one thread (its convolutions on ONNX Runtime kernels, one thread; \`PIXELWISE_ORT_KERNELS=0\` for wasm-only kernels); ONNX Runtime (the exported graph) all cores. Peak RSS is the whole process for that configuration.\n\n` +
    `| model | batch | TF.js ms/image | ONNX Runtime ms/image | speed-up | TF.js peak RSS MB | ORT peak RSS MB |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
  fs.writeFileSync('docs/runtimes.md', md);
  process.stdout.write(md);
}

main().catch((e) => { process.stderr.write(`bench failed: ${(e as Error).message}\n`); process.exit(1); });
