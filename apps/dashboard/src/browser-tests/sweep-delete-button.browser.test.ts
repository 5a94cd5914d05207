import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitForSweep } from '../../../coordinator/src/testing/harness.js';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness({ config: { modelDir: mkdtempSync(join(tmpdir(), 'dgm-dashboard-delete-')) } });
});
afterAll(async () => {
  await b?.close();
});

/** Answers the page's confirm dialogs in order with `answers`, recording what each asked. */
function answerDialogs(answers: boolean[]): string[] {
  const asked: string[] = [];
  b.page.removeAllListeners('dialog');
  b.page.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void (answers.shift() ? dialog.accept() : dialog.dismiss());
  });
  return asked;
}

const status = async (id: string) => (await b.h.app.inject({ method: 'GET', url: `/sweeps/${id}` })).statusCode;

test('Delete asks with what a dry run says goes (unfinished jobs cancelled first); dismissed, nothing is deleted', async () => {
  // Jobs that never finish: the `hang` fixture runs until cancelled.
  const sweep = await b.submit('project: del\nbase_config: {fixture: hang}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n', { name: 'to-delete' });
  await b.page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  await expect.poll(() => b.page.locator('table[data-table="jobs"] tbody tr').count()).toBe(2);

  let asked = answerDialogs([false]);
  await b.page.click('button[data-action="delete"]');
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toMatch(/^Delete to-delete: 2 job\(s\), \d+ result row\(s\), 0 evaluation\(s\), \d+ artifact\(s\) \([^)]*\); 2 unfinished job\(s\) are cancelled first\? This cannot be undone\.$/);
  expect(await status(sweep.id)).toBe(200);

  asked = answerDialogs([true]);
  await b.page.click('button[data-action="delete"]');
  const notice = b.page.locator('[data-notice="deleted"]');
  await notice.waitFor();
  expect(await notice.textContent()).toContain('This sweep was deleted');
  expect(asked).toHaveLength(1);
  expect(await status(sweep.id)).toBe(404);
  await b.page.click('[data-notice="deleted"] a');
  await expect.poll(() => b.page.url()).toMatch(/#\/$/);
  expect(b.pageErrors).toEqual([]);
});

test('a sweep others depend on: they are named and go with it only when that is confirmed too', async () => {
  const model = await b.submit('project: del\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [succeed]}\n', { name: 'base-model' });
  const scores = await b.submit(
    `project: del\nbase_config: {fixture: read-model, base_model: {sweep: ${model.id}, job: 0}, ood: {seed: 1}}\nsweep_configuration:\n  points: {sweep: true, values: [1, 2]}\n`,
    { kind: 'ood', name: 'its-scores' },
  );
  await waitForSweep(b.h, scores.id, (s) => s.status === 'succeeded');
  await b.page.goto(`${b.base}/#/sweeps/${model.id}`);
  await b.page.locator('button[data-action="delete"]').waitFor();

  // Refusing to take the dependents along deletes nothing.
  let asked = answerDialogs([false]);
  await b.page.click('button[data-action="delete"]');
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toBe(`base-model is needed by its-scores (${scores.id}): their jobs depend on its jobs. Delete those sweeps too?`);
  expect([await status(model.id), await status(scores.id)]).toEqual([200, 200]);

  asked = answerDialogs([true, true]);
  await b.page.click('button[data-action="delete"]');
  await b.page.locator('[data-notice="deleted"]').waitFor();
  expect(asked).toHaveLength(2);
  expect(asked[1]).toMatch(/^Delete base-model: 3 job\(s\), \d+ result row\(s\), \d+ evaluation\(s\), \d+ artifact\(s\) \([^)]*\); with the 1 sweep\(s\) that depend on it\? This cannot be undone\.$/);
  expect([await status(model.id), await status(scores.id)]).toEqual([404, 404]);
  expect(b.pageErrors).toEqual([]);
});
