/**
 * bits/dim of a model-space log-likelihood (docs/diffusion.md §2). x̃ = 2·(x + u)/(range + deq) − 1 maps the
 * dequantized pixels onto [−1, 1), so the density of the dequantized pixels is p(x̃)·(2/(range + deq))^D and
 *   bpd = −(log p(x̃) + D·ln(2/(range + deq)))/(D·ln 2) = −log p(x̃)/(D·ln 2) + log₂((range + deq)/2),
 * which is score_sde's "+7" for 8-bit data (range + deq = 256).
 */
export function logpToBitsPerDim(logp: number, dim: number, opts: { range?: number; dequantize?: boolean } = {}): number {
  const levels = (opts.range ?? 255) + ((opts.dequantize ?? true) ? 1 : 0);
  return -logp / (dim * Math.LN2) + Math.log2(levels / 2);
}
