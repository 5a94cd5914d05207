/**
 * Likelihood units. Our log p is the reference's: the density of the scaled, dequantized x̃ ∈ [0,1]^D in nats
 * (the Jacobian of scaling and dequantization is not included; the logit's is). Conversions to the standard
 * discrete bits/dim (docs/reference-notes.md §2.1): with dequantization the scale is 1/256, without it 1/255.
 */
export function bitsPerDim(logProbNats: number, dim: number, opts: { dequantize?: boolean } = {}): number {
  const levels = (opts.dequantize ?? true) ? 256 : 255;
  return (dim * Math.log(levels) - logProbNats) / (dim * Math.LN2);
}

/** bits/dim of a mean negative log-likelihood (a training loss) in nats. */
export function nllToBitsPerDim(nllNats: number, dim: number, opts: { dequantize?: boolean } = {}): number {
  return bitsPerDim(-nllNats, dim, opts);
}

/** Total nats → total bits (what the reference's Complexity baseline reports). */
export function natsToBits(nats: number): number {
  return nats / Math.LN2;
}
