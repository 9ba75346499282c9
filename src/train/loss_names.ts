// The losses a user can train with (no TF.js import: command definitions read this).
export type LossName = 'ce' | 'dice' | 'focal' | 'ce+dice' | 'lovasz' | 'ce+lovasz';
export const LOSSES: LossName[] = ['ce', 'dice', 'focal', 'ce+dice', 'lovasz', 'ce+lovasz'];
