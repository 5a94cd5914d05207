/**
 * Named scores: what an OOD method writes per point, and how the evaluation reads each score.
 * Score names are snake_case and double as CSV column names.
 */

/** Whether a higher value of the score means "more in-distribution" or "less". */
export type ScoreDirection = 'higher-is-in-distribution' | 'lower-is-in-distribution';

export interface ScoreDescriptor {
  name: string;
  label: string;
  direction: ScoreDirection;
}

/** Scores evaluated together: dual threshold (in-distribution iff both scores are on their in-distribution side). */
export interface ScoreCombination {
  kind: 'dual-threshold';
  scores: [string, string];
}

export interface ScoreSchema {
  scores: ScoreDescriptor[];
  combinations: ScoreCombination[];
}

/**
 * The schema of jobs that recorded none (written before named scores): log-likelihood and LID, their dual
 * threshold. Both are higher-is-in-distribution; the paper's point is that OOD data can get higher likelihood
 * but lower LID, which only the pair exposes.
 */
export const LEGACY_SCORE_SCHEMA: ScoreSchema = Object.freeze({
  scores: [
    { name: 'log_likelihood', label: 'log-likelihood', direction: 'higher-is-in-distribution' },
    { name: 'lid', label: 'LID', direction: 'higher-is-in-distribution' },
  ],
  combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }],
}) as ScoreSchema;
