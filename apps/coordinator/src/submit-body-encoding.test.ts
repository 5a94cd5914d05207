/** POST /sweeps reads its body as bytes: not UTF-8, too large or of a type it does not take, it says where. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const post = (contentType: string, payload: Buffer | string) => h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': contentType }, payload });
const notUtf8 = Buffer.concat([Buffer.from(upstreamFile('ood/ratios/grayscale_ratios.yaml').replace(/^project:.*$/m, '')), Buffer.from('project: "'), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]);

test.each(['application/yaml', 'text/plain', 'application/json'])('a %s body that is not UTF-8 is a 400 naming its line and byte, and nothing is stored (it was decoded to U+FFFD and stored)', async (type) => {
  const response = await post(type, notUtf8);
  expect(response.statusCode).toBe(400);
  const line = notUtf8.subarray(0, notUtf8.indexOf(0xc3)).toString('latin1').split('\n').length;
  expect(response.json()).toMatchObject({
    code: 'DGM_SWEEP_INVALID',
    message: `request body: line ${line}: byte ${notUtf8.indexOf(0xc3)} is not valid UTF-8 (send the file as UTF-8)`,
    errors: [{ code: 'DGM_BODY_NOT_UTF8', path: '<document>', line, file: 'request body' }],
  });
  expect((await h.pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n).toBe(0);
});

test('a multipart file over 16 MiB is 413 DGM_SWEEP_TOO_LARGE naming the file (it was an unlocated FST_REQ_FILE_TOO_LARGE)', async () => {
  const boundary = 'b0undary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.yaml"\r\ncontent-type: application/yaml\r\n\r\n`),
    Buffer.alloc(17 * 1024 * 1024, 0x61),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await post(`multipart/form-data; boundary=${boundary}`, payload);
  expect([response.statusCode, response.json()]).toEqual([413, { code: 'DGM_SWEEP_TOO_LARGE', message: 'multipart field file ("big.yaml") is larger than 16777216 bytes' }]);
});

test('a Content-Type POST /sweeps does not take is a 415 naming the header', async () => {
  const response = await post('application/xml', '<sweep/>');
  expect([response.statusCode, response.json()]).toEqual([
    415,
    { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'header Content-Type "application/xml" is not one POST /sweeps accepts: Unsupported Media Type' },
  ]);
});
