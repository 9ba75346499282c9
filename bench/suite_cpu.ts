// npm run bench:suite-cpu -- --against REF [--files SUBSTRING,...]: the CPU each test file spends,
// this commit against REF, paired. The host's speed drifts by more than a change to the suite is
// worth between two whole `npm test` runs, so each file of both versions runs at the same time, one
// per core, under /usr/bin/time (user + system of the file's process and every process it waits on;
// Chromium's processes are not counted). Both versions are git worktrees of committed code in a
// temporary folder, without ../shared (CI's setting), sharing this checkout's node_modules.
// Writes docs/bench/suite-cpu.json and prints a row per file and the totals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/util/fs.ts';

let values: { against?: string; files?: string };
try { ({ values } = parseArgs({ options: { against: { type: 'string' }, files: { type: 'string' } } })); } catch (e) {
  process.stderr.write(`bench:suite-cpu: ${(e as Error).message} (options: --against REF [--files SUBSTRING,...])\n`); process.exit(2);
}
if (!values.against) { process.stderr.write('bench:suite-cpu: --against REF is required (a commit, branch or tag to compare HEAD with)\n'); process.exit(2); }
if (!fs.existsSync('/usr/bin/time')) { process.stderr.write('bench:suite-cpu: needs /usr/bin/time (apt-get install time)\n'); process.exit(2); }
const repo = path.resolve(import.meta.dirname, '..');
const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const commit = (ref: string) => {
  try { return git('rev-parse', '--short', '--verify', `${ref}^{commit}`); } catch {
    process.stderr.write(`bench:suite-cpu: --against ${ref}: not a commit of this repository\n`); process.exit(2);
  }
};
const refs = { reference: commit(values.against), current: commit('HEAD') };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-suite-cpu-'));

interface Tree { dir: string; compiled: boolean }
/** A worktree of `ref`, built as its own `npm test` builds it (compiled tests, or tests through tsx before those). */
function checkout(name: string, ref: string): Tree {
  const dir = path.join(work, name);
  git('worktree', 'add', '--detach', dir, ref);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  const compiled = /dist-test/.test(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts.test);
  execFileSync(process.execPath, ['scripts/build.mjs', ...(compiled ? ['--tests'] : [])], { cwd: dir, stdio: 'ignore' });
  return { dir, compiled };
}

/** CPU-s (user + system) of one test file and what it waits on, and its wall seconds. */
function runFile(t: Tree, file: string): Promise<{ cpu: number; wall: number; code: number | null; failures: string[] }> {
  const out = path.join(work, `${path.basename(t.dir)}.time`), log = path.join(work, `${path.basename(t.dir)}.log`);
  const args = t.compiled ? ['--test', `dist-test/${file}.test.js`] : ['--import', 'tsx', '--test', `test/${file}.test.ts`];
  return new Promise((resolve) => {
    const fd = fs.openSync(log, 'w');
    const p = spawn('/usr/bin/time', ['-f', '%U %S %e', '-o', out, process.execPath, ...args], { cwd: t.dir, stdio: ['ignore', fd, fd], env: { ...process.env, PIXELWISE_DIST: '1' } });
    p.on('close', (code) => {
      fs.closeSync(fd);
      const [u, s, e] = fs.readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      // A failing file's reasons, from its TAP output: the failed tests and their messages.
      const lines = code ? fs.readFileSync(log, 'utf8').split('\n') : [];
      const failures = lines.flatMap((l, i) => (/^\s*not ok /.test(l) ? [l] : /^\s*error: /.test(l) ? lines.slice(i, i + 4) : [])).slice(0, 12);
      resolve({ cpu: u + s, wall: e, code, failures });
    });
  });
}

const rows: { file: string; reference: number; current: number; failed?: string }[] = [];
// Ctrl-C: the file pair running finishes, then the worktrees are removed and the totals so far printed.
let stop = false;
process.on('SIGINT', () => { stop = true; process.stderr.write('\ninterrupt: stopping after this file\n'); });
const t0 = Date.now();
try {
  const reference = checkout('reference', values.against), current = checkout('current', 'HEAD');
  const list = (t: Tree) => fs.readdirSync(path.join(t.dir, 'test'), { recursive: true }).map(String)
    .filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, ''));
  const inReference = new Set(list(reference));
  const wanted = values.files?.split(',');
  const files = list(current).filter((f) => inReference.has(f) && (!wanted || wanted.some((w) => f.includes(w)))).sort();
  process.stderr.write(`${files.length} test files, ${refs.current} against ${refs.reference}, paired\n`);
  for (const [i, file] of files.entries()) {
    if (stop) break;
    const [r, c] = await Promise.all([runFile(reference, file), runFile(current, file)]);
    const failed = [r.code && `${refs.reference} exit ${r.code}`, c.code && `${refs.current} exit ${c.code}`].filter(Boolean).join(', ') || undefined;
    rows.push({ file, reference: r.cpu, current: c.cpu, ...(failed ? { failed } : {}) });
    for (const [name, x] of [[refs.reference, r], [refs.current, c]] as const) for (const l of x.failures) process.stderr.write(`  ${name}: ${l.trim()}\n`);
    const eta = ((Date.now() - t0) / (i + 1)) * (files.length - i - 1) / 60_000;
    process.stderr.write(`[${i + 1}/${files.length}, about ${eta.toFixed(0)} min left] ${file}: ${r.cpu.toFixed(1)} -> ${c.cpu.toFixed(1)} CPU-s${failed ? ` (${failed})` : ''}\n`);
  }
} finally {
  for (const name of ['reference', 'current']) if (fs.existsSync(path.join(work, name))) git('worktree', 'remove', '--force', path.join(work, name));
  fs.rmSync(work, { recursive: true, force: true });
}
const total = (k: 'reference' | 'current') => rows.reduce((s, r) => s + r[k], 0);
const summary = { date: new Date().toISOString().slice(0, 10), machine: `${os.cpus()[0]?.model}, ${os.cpus().length} cores`, node: process.version, ...refs,
  files: rows.length, referenceCpuS: +total('reference').toFixed(1), currentCpuS: +total('current').toFixed(1), ratio: +(total('current') / total('reference')).toFixed(3), rows };
if (!values.files && !stop) writeFileAtomic(path.join(repo, 'docs/bench/suite-cpu.json'), JSON.stringify(summary, null, 2) + '\n');
process.stdout.write(`${refs.current} against ${refs.reference}: ${summary.currentCpuS} / ${summary.referenceCpuS} CPU-s = ${summary.ratio}x over ${rows.length} test files${rows.some((r) => r.failed) ? ' (some files failed: see above)' : ''}\n`);
