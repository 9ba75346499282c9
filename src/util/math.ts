// Integer helpers shared by the model builders and the engine's kernels.

/** Greatest common divisor of two non-negative integers. */
export const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
