// `pixelwise models [MODEL]`: the shipped models, import presets and trainable architectures (listed by
// actions/models.ts), or one model's card in words (actions/model_info.ts).
import { Command } from 'commander';

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the shipped models, the import presets and the trainable architectures; or describe one model (its classes, input, scores, licence, files)')
    .argument('[model]', 'a shipped model\'s name, a model package or a training run: its card in words')
    .option('--json', 'print JSON')
    .action(async (model: string | undefined, o: { json?: boolean }) => {
      if (model != null) process.stdout.write(await (await import('./actions/model_info.js')).describeModel(model, !!o.json) + '\n');
      else (await import('./actions/models.js')).run(o);
    });
}
