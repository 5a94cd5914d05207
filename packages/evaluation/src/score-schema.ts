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

/** Score names double as CSV column names and metric-name parts (`auc:<name>`): snake_case. */
export const SCORE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
/** `auc:max` is a metric of its own; a score of that name would collide with it. */
const RESERVED_SCORE_NAMES = new Set(['max']);

/** What is wrong with a schema (empty when nothing): names, duplicates, combinations of undeclared scores. */
export function scoreSchemaProblems(schema: ScoreSchema): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  schema.scores.forEach((score, i) => {
    if (!SCORE_NAME_PATTERN.test(score.name)) problems.push(`scores[${i}].name ${JSON.stringify(score.name)} is not snake_case`);
    else if (RESERVED_SCORE_NAMES.has(score.name)) problems.push(`scores[${i}].name ${JSON.stringify(score.name)} is reserved`);
    if (names.has(score.name)) problems.push(`scores[${i}].name ${JSON.stringify(score.name)} is declared twice`);
    names.add(score.name);
    if (score.direction !== 'higher-is-in-distribution' && score.direction !== 'lower-is-in-distribution')
      problems.push(`scores[${i}].direction ${JSON.stringify(score.direction)} is not higher-is-in-distribution or lower-is-in-distribution`);
  });
  schema.combinations.forEach((combination, i) => {
    if (combination.kind !== 'dual-threshold') problems.push(`combinations[${i}].kind ${JSON.stringify(combination.kind)} is not dual-threshold`);
    const [a, b] = combination.scores;
    for (const name of [a, b]) if (!names.has(name)) problems.push(`combinations[${i}] names undeclared score ${JSON.stringify(name)}`);
    if (a === b) problems.push(`combinations[${i}] combines ${JSON.stringify(a)} with itself`);
  });
  return problems;
}

/**
 * Reads a schema from untrusted JSON (a job's summary): the schema, or what is wrong with it.
 * Labels default to the name.
 */
export function parseScoreSchema(value: unknown): { schema: ScoreSchema } | { problems: string[] } {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value) || !Array.isArray(value.scores)) return { problems: ['must be an object with a scores array'] };
  const combinations = value.combinations ?? [];
  if (!Array.isArray(combinations)) return { problems: ['combinations must be an array'] };
  const problems: string[] = [];
  const scores: ScoreDescriptor[] = value.scores.flatMap((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') {
      problems.push(`scores[${i}] must be an object with a string name`);
      return [];
    }
    return [{ name: s.name, label: typeof s.label === 'string' ? s.label : s.name, direction: s.direction as ScoreDirection }];
  });
  const combos: ScoreCombination[] = combinations.flatMap((c, i) => {
    if (!isObject(c) || !Array.isArray(c.scores) || c.scores.length !== 2 || !c.scores.every((n) => typeof n === 'string')) {
      problems.push(`combinations[${i}] must be an object with two score names`);
      return [];
    }
    return [{ kind: c.kind as 'dual-threshold', scores: [c.scores[0] as string, c.scores[1] as string] }];
  });
  const schema = { scores, combinations: combos };
  problems.push(...scoreSchemaProblems(schema));
  return problems.length > 0 ? { problems } : { schema };
}

/** Values oriented so that higher means more in-distribution (what the AUC functions assume). */
export function orient(values: readonly number[], direction: ScoreDirection): number[] {
  return direction === 'higher-is-in-distribution' ? [...values] : values.map((v) => -v);
}
