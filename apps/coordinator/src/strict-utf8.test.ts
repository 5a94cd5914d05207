/** UTF-8 validation of request bodies: the first bad byte is found, well-formed text passes unchanged. */
import { expect, test } from 'vitest';
import { decodeUtf8, firstInvalidUtf8 } from './strict-utf8.js';

test('well-formed text (ASCII, accents, CJK, emoji, U+FFFD itself) decodes unchanged', () => {
  const text = 'project: é 漢字 😀 \uFFFD\n';
  expect(decodeUtf8(Buffer.from(text))).toEqual({ text });
});

test.each([
  ['a lone continuation byte', [0x61, 0x80], 1],
  ['an invalid lead byte', [0x61, 0x62, 0xff], 2],
  ['an overlong two-byte form', [0xc0, 0xaf], 0],
  ['an overlong three-byte form', [0x61, 0xe0, 0x80, 0xaf], 1],
  ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80], 0],
  ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ['a sequence cut short by the end', [0x61, 0xe6, 0xbc], 1],
  ['a sequence cut short by ASCII', [0xe6, 0x41, 0x42], 0],
])('%s: refused at its first byte', (_name, bytes, offset) => {
  expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(offset);
});

test('the line of the first bad byte is counted', () => {
  expect(decodeUtf8(Buffer.concat([Buffer.from('a: 1\nb: 2\nc: "'), Buffer.from([0xff]), Buffer.from('"\n')]))).toEqual({ offset: 14, line: 3 });
});
