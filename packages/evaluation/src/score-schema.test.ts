import { expect, test } from 'vitest';
import { LEGACY_SCORE_SCHEMA, parseScoreSchema, scoreSchemaProblems } from './score-schema.js';

test('the legacy schema is valid and reads back unchanged from JSON', () => {
  expect(scoreSchemaProblems(LEGACY_SCORE_SCHEMA)).toEqual([]);
  expect(parseScoreSchema(JSON.parse(JSON.stringify(LEGACY_SCORE_SCHEMA)))).toEqual({ schema: LEGACY_SCORE_SCHEMA });
});

test('a schema from a job summary: labels default to names, every problem is named', () => {
  expect(parseScoreSchema({ scores: [{ name: 'nll', direction: 'lower-is-in-distribution' }] })).toEqual({
    schema: { scores: [{ name: 'nll', label: 'nll', direction: 'lower-is-in-distribution' }], combinations: [] },
  });
  expect(parseScoreSchema({ scores: [{ name: 'Log-P', direction: 'up' }, { name: 'max', direction: 'higher-is-in-distribution' }], combinations: [{ kind: 'dual-threshold', scores: ['Log-P', 'lid'] }] })).toEqual({
    problems: [
      'scores[0].name "Log-P" is not snake_case',
      'scores[0].direction "up" is not higher-is-in-distribution or lower-is-in-distribution',
      'scores[1].name "max" is reserved',
      'combinations[0] names undeclared score "lid"',
    ],
  });
  expect(parseScoreSchema('lid')).toEqual({ problems: ['must be an object with a scores array'] });
});
