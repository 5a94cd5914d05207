import { dualThresholdFrontier } from './dual-threshold.js';
import { REFERENCE_COMPUTE_LIMIT, REFERENCE_SEED, referenceDualThresholdAuc, type ReferenceProtocolOptions } from './reference-protocol.js';
import { rocAuc } from './roc-auc.js';

export interface ScoredSet {
  logLikelihood: readonly number[];
  lid: readonly number[];
}

export type Protocol = { name: 'exact' } | ({ name: 'reference-randomised' } & ReferenceProtocolOptions);
export const PROTOCOL_NAMES = ['exact', 'reference-randomised'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export function isProtocolName(name: string): name is ProtocolName {
  return (PROTOCOL_NAMES as readonly string[]).includes(name);
}

/** The protocol of that name, with the reference's own compute limit and seed for the randomised one. */
export function protocolNamed(name: ProtocolName): Protocol {
  return name === 'exact' ? { name } : { name, computeLimit: REFERENCE_COMPUTE_LIMIT, seed: REFERENCE_SEED };
}

export interface PairEvaluation {
  /** ROC-AUC of log-likelihood alone (the paradox: below ½ when OOD data is more likely). */
  naiveAuc: number;
  /** AUC of the rule log p ≥ a AND LID ≥ b. */
  dualAuc: number;
  /** max(naive, dual), as the reference tables report. */
  reportedAuc: number;
  /** Also useful: LID alone. */
  lidAuc: number;
  positives: number;
  negatives: number;
  protocol: Protocol;
}

/** The evaluation of one (positive set, negative set) pair. Positive = in-distribution. */
export function evaluatePair(positive: ScoredSet, negative: ScoredSet, protocol: Protocol = { name: 'exact' }): PairEvaluation {
  const pos = { x: positive.logLikelihood, y: positive.lid };
  const neg = { x: negative.logLikelihood, y: negative.lid };
  const naiveAuc = rocAuc(pos.x, neg.x);
  const dualAuc =
    protocol.name === 'exact' ? dualThresholdFrontier(pos, neg).auc : referenceDualThresholdAuc(pos, neg, protocol).dualAuc;
  return {
    naiveAuc,
    dualAuc,
    reportedAuc: Math.max(naiveAuc, dualAuc),
    lidAuc: rocAuc(pos.y, neg.y),
    positives: pos.x.length,
    negatives: neg.x.length,
    protocol,
  };
}
