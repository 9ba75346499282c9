// ESPNetv2's channels per level for each width multiplier (EdgeNets' config), kept apart from the
// network so that the import presets read it without loading TF.js.
export const ESPNETV2_WIDTHS: Record<string, [number, number, number, number]> = {
  '0.5': [16, 32, 64, 128], '1': [32, 64, 128, 256], '1.5': [32, 96, 192, 384], '2': [32, 128, 256, 512],
};
