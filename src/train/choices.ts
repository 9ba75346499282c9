// Training choices a user names on the command line (no TF.js import: command definitions read this).
export type LossName = 'ce' | 'dice' | 'focal' | 'ce+dice' | 'lovasz' | 'ce+lovasz';
export const LOSSES: LossName[] = ['ce', 'dice', 'focal', 'ce+dice', 'lovasz', 'ce+lovasz'];

/** A step whose loss or gradients are not finite: stop the run, or skip the step. */
export type OnNaN = 'stop' | 'skip';
export const ON_NAN: OnNaN[] = ['stop', 'skip'];

/** What a distillation teacher sees: each augmented crop, or each whole image once (TrainConfig.teacherView). */
export type TeacherView = 'crop' | 'image';
export const TEACHER_VIEWS: TeacherView[] = ['crop', 'image'];

/** Training images whose crops give the BatchNorm statistics of a validated or saved model (precise_bn.ts). */
export const DEFAULT_PRECISE_BN_IMAGES = 200;
