#!/usr/bin/env node
// The installed package runs the compiled JavaScript in dist/. A source checkout (src/ present)
// runs the TypeScript through tsx's loader, so edits need no build; PIXELWISE_DIST=1 runs dist/ there too.
import fs from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (fs.existsSync(source) && process.env.PIXELWISE_DIST !== '1') {
  // The browser module (served by `serve`) is built output: a fresh checkout builds it on first use.
  if (!fs.existsSync(new URL('../web/lib/pixelwise-web.js', import.meta.url))) {
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [new URL('../scripts/build.mjs', import.meta.url).pathname, '--web'], { stdio: 'inherit' });
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
const code = await main(process.argv.slice(2));
// A failed command ends here, whatever it left running (worker threads, timers, progress bars):
// its one-line message is already on stderr.
if (code !== 0) process.exit(code);
process.exitCode = code;
