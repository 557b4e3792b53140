/** Tolerance for comparing floating-point resource amounts (cpu fractions sum to 1.0000000000000002). */
export const EPSILON = 1e-9;
