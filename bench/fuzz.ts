// npm run bench:fuzz [-- --iterations N]: the long fuzzing run of the file readers (test/formats/fuzz.ts),
// N mutants per reader (default 20000; ONNX Runtime loads 1/40 of that), a new seed each run unless
// --seed is given. Writes docs/bench/fuzz.json; prints each finding.
import { fuzz, targets } from '../test/formats/fuzz.ts';
import { tempDir } from '../test/helpers.ts';
import { writeFileAtomic } from '../src/util/fs.ts';
import { machine } from './machine.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i >= 0 ? Number(process.argv[i + 1]) : undefined; };
const N = arg('--iterations') ?? 20000;
const seed = arg('--seed') ?? Date.now() % 1e9;
const dir = tempDir('pw-fuzz-');
// Said first: a reader that stalls never reaches the results file, and its mutant is rebuilt from the seed (or found as the last file written in the folder).
process.stderr.write(`bench:fuzz: seed ${seed}, ${N} mutants a reader, files in ${dir} (npm run bench:fuzz -- --seed ${seed} runs it again)\n`);
const ts = await targets(dir);
const rows = [];
for (const t of ts) {
  const t0 = Date.now();
  const r = await fuzz([t], t.name === 'ONNX model' ? Math.ceil(N / 40) : N, seed);
  rows.push({ reader: t.name, mutants: r.runs, findings: r.findings.length, seconds: +((Date.now() - t0) / 1000).toFixed(1) });
  for (const f of r.findings) process.stderr.write(`FINDING ${f.target} #${f.iteration} (seed ${seed}): ${f.error}\n`);
  process.stderr.write(`${t.name}: ${r.runs} mutants, ${r.findings.length} findings\n`);
}
writeFileAtomic('docs/bench/fuzz.json', JSON.stringify({ date: new Date().toISOString().slice(0, 10), machine: machine(), seed, command: 'npm run bench:fuzz', rows }, null, 2) + '\n');
