// The layering of src/, checked by `npm run check:layers` (part of `npm test`). Each folder is a
// layer in a tier; a module may import its own folder and folders of lower tiers only, so no two
// folders import each other, `cli/` is at the top and nothing the library exports (src/index.ts)
// reaches the command line. docs/ARCHITECTURE.md describes each layer.
const TIERS = [
  ['util'],                     // errors, atomic files, progress, small helpers
  ['formats'],                  // file formats: safetensors, pickle, PyTorch zip, ONNX protobuf
  ['data', 'render', 'engine'], // images and masks; drawing; the TF.js backend and kernels
  ['metrics', 'models'],        // scores; the model zoo and model packages
  ['io'],                       // model conversions: ONNX export, PyTorch and encoder weights import
  ['inference'],                // runtimes and segmenters
  ['train'],                    // the training loop
  ['video', 'serve', 'web', 'batch'], // applications of the library
  ['cli'],                      // the command line
];

const tierOf = Object.fromEntries(TIERS.flatMap((folders, t) => folders.map((f) => [f, t])));
const folders = Object.keys(tierOf);

/** For each folder: the folders it may not import (same tier but itself, and every higher tier). */
const layerRules = folders.map((f) => {
  const forbidden = folders.filter((g) => g !== f && tierOf[g] >= tierOf[f]);
  return {
    name: `layer-${f}`,
    comment: `src/${f}/ (tier ${tierOf[f]}) imports only its own folder and lower tiers`,
    severity: 'error',
    from: { path: `^src/${f}/` },
    to: { path: `^src/(${forbidden.join('|')})/` },
  };
}).filter((r) => !r.to.path.endsWith('()/'));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'library-not-cli',
      comment: 'what the library exports (src/index.ts) never reaches the command line',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle between modules',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports leave no trace at run time; the layers are about what runs.
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(wat)$' },
  },
};
