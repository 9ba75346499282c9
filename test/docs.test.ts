// The docs describe today: every `pixelwise` command line in a code block of README.md and docs/
// parses with the real command line (its commands, flags and flag values; the actions do not run),
// and the command recorded in each shipped model's card (provenance.command) parses too;
// every file path the docs name under src/, test/, bench/, scripts/, docs/ or recipes/ exists;
// every `npm run` names a script of package.json, and every name a code block imports from the
// package is exported by that entry point. Each check is also shown to catch a line that drifted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/main.ts';

const DOCS = ['README.md', ...fs.readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
const SCRIPTS = new Set(Object.keys(JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts));
// Literal import() calls: the compiled suite's build points them at dist/.
const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  pixelwise: () => import('../src/index.ts'),
  'pixelwise/train': () => import('../src/train/index.ts'),
  'pixelwise/batch': () => import('../src/batch/index.ts'),
  'pixelwise/web': () => import('../src/web/index.ts'),
};

/** The fenced code blocks of a Markdown text, backslash-continued lines joined. */
function codeBlocks(md: string): string[] {
  return [...md.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1].replace(/\\\n\s*/g, ' '));
}

/** A shell line's words: quotes kept together, a trailing `# comment` dropped, `$NAME` from the block's own `NAME="..."`. */
function words(line: string, vars: Map<string, string>): string[] {
  const expanded = line.replace(/\s#\s.*$/, '').replace(/\$([A-Z_]+)\b/g, (all, v: string) => vars.get(v) ?? all);
  return [...expanded.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The `pixelwise ...` command lines of a Markdown text, as argument lists (`...` placeholders dropped, `[optional]` groups kept, `a|b` one line each). */
function commandLines(md: string): string[][] {
  const lines: string[][] = [];
  for (const block of codeBlocks(md)) {
    const vars = new Map<string, string>();
    for (const line of block.split('\n')) {
      const assign = line.match(/^([A-Z_]+)="([^"]*)"/);
      if (assign) vars.set(assign[1], assign[2]);
      const cmd = line.match(/^\s*(?:\$\s+)?(?:npx\s+)?pixelwise\s+(.*)$/);
      if (!cmd) continue;
      // `--runtime tfjs|onnx`: one line per alternative.
      let variants: string[][] = [[]];
      for (const w of words(cmd[1], vars).filter((x) => x !== '...').map((x) => x.replace(/^\[|\]$/g, '')).filter(Boolean)) {
        const alternatives = /^[\w.-]+(\|[\w.-]+)+$/.test(w) ? w.split('|') : [w];
        variants = variants.flatMap((v) => alternatives.map((a) => [...v, a]));
      }
      lines.push(...variants);
    }
  }
  return lines;
}

/** Why the command line would refuse these arguments, or null when it parses them. */
async function parseError(argv: string[]): Promise<string | null> {
  const program = buildProgram();
  const quiet = (c: Command, root = false) => {
    if (!root) c.action(() => {});
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    c.commands.forEach((sub) => quiet(sub));
  };
  quiet(program, true);
  try { await program.parseAsync(argv, { from: 'user' }); return null; } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? null : (e as Error).message;
  }
}

async function commandFindings(file: string, md: string): Promise<string[]> {
  const found: string[] = [];
  for (const argv of commandLines(md)) {
    const why = await parseError(argv);
    if (why) found.push(`${file}: pixelwise ${argv.join(' ')}: ${why}`);
  }
  return found;
}

/** Paths of this repository the text names (placeholders such as recipes/NAME.json left out). */
function pathFindings(file: string, md: string): string[] {
  const paths = new Set([...md.matchAll(/(?<![\w./-])(?:src|test|bench|scripts|docs|recipes)\/[\w./-]*\w\.(?:ts|mjs|cjs|js|json|md|py)\b/g)].map((m) => m[0]));
  return [...paths].filter((p) => !/\/[A-Z]+\./.test(p) && !fs.existsSync(p)).map((p) => `${file}: ${p}: no such file`);
}

function scriptFindings(file: string, md: string): string[] {
  return [...md.matchAll(/npm run ([a-z][\w:-]*\w)/g)].map((m) => m[1]).filter((s) => !SCRIPTS.has(s)).map((s) => `${file}: npm run ${s}: no such script in package.json`);
}

async function importFindings(file: string, md: string): Promise<string[]> {
  const found: string[] = [];
  for (const block of codeBlocks(md)) {
    for (const m of block.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(pixelwise(?:\/\w+)?)'/g)) {
      const entry = ENTRIES[m[2]];
      if (!entry) { found.push(`${file}: import from '${m[2]}': not an entry point of the package`); continue; }
      const mod = await entry();
      for (const name of m[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean)) {
        if (!(name in mod)) found.push(`${file}: import { ${name} } from '${m[2]}': not exported`);
      }
    }
  }
  return found;
}

test('docs: every pixelwise command line in README.md and docs/ parses (commands, flags, values)', async () => {
  let lines = 0;
  const found: string[] = [];
  for (const f of DOCS) {
    const md = fs.readFileSync(f, 'utf8');
    lines += commandLines(md).length;
    found.push(...(await commandFindings(f, md)));
  }
  assert.deepEqual(found, []);
  assert.ok(lines >= 50, `only ${lines} command lines found: the extraction broke`);
});

test('docs: every file path named exists, every npm run names a script, every import from the package names an export', async () => {
  const found: string[] = [];
  for (const f of DOCS) {
    const md = fs.readFileSync(f, 'utf8');
    found.push(...pathFindings(f, md), ...scriptFindings(f, md), ...(await importFindings(f, md)));
  }
  assert.deepEqual(found, []);
});

test('docs: the command recorded in each shipped model card parses', async () => {
  const found: string[] = [];
  let cards = 0;
  for (const dir of fs.readdirSync('models')) {
    const command = JSON.parse(fs.readFileSync(path.join('models', dir, 'model.json'), 'utf8')).provenance?.command;
    if (!command) continue;
    cards++;
    found.push(...(await commandFindings(`models/${dir}/model.json`, '```\n' + command + '\n```\n')));
  }
  assert.deepEqual(found, []);
  assert.ok(cards >= 5, `only ${cards} cards with a recorded command`);
});

test('docs: a flag, a command, a value, a path, a script or an export that drifted is found', async () => {
  const md = [
    '```bash',
    'npx pixelwise predict photo.jpg --model voc --out p   # fine',
    'npx pixelwise predict photo.jpg --modle voc',
    'pixelwise segment photo.jpg',
    'npx pixelwise evaluate --model voc --data d [--runtime tfjs|gpu]',
    'COMMON="--images a --masks b --classes zero"',
    'npx pixelwise train $COMMON \\',
    '  --out runs/x',
    'npm run bench:nothing',
    'see src/inference/nothing.ts and recipes/NAME.json',
    '```',
    '```ts',
    "import { load, loadModel } from 'pixelwise';",
    "import { train } from 'pixelwise/training';",
    '```',
  ].join('\n');
  assert.deepEqual(commandLines(md)[5], ['train', '--images', 'a', '--masks', 'b', '--classes', 'zero', '--out', 'runs/x']);
  const commands = await commandFindings('x.md', md);
  assert.equal(commands.length, 4, commands.join('\n'));
  assert.match(commands[0], /--modle voc: error: unknown option '--modle'/);
  assert.match(commands[1], /unknown command 'segment'/);
  assert.match(commands[2], /--runtime gpu: error: option '--runtime <name>' argument 'gpu' is invalid/);
  assert.match(commands[3], /--classes zero/);
  assert.deepEqual(pathFindings('x.md', md), ['x.md: src/inference/nothing.ts: no such file']);
  assert.deepEqual(scriptFindings('x.md', md), ['x.md: npm run bench:nothing: no such script in package.json']);
  assert.deepEqual(await importFindings('x.md', md), [
    "x.md: import { loadModel } from 'pixelwise': not exported",
    "x.md: import from 'pixelwise/training': not an entry point of the package",
  ]);
});
