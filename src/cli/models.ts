// `pixelwise models`: the shipped models, import presets and trainable architectures (listed by actions/models.ts).
import { Command } from 'commander';

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the shipped models, the import presets and the trainable architectures')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => (await import('./actions/models.js')).run(o));
}
