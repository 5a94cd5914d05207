/**
 * Request bodies are UTF-8: a body that is not is refused where its first bad byte is, rather than decoded with
 * U+FFFD in place of what the client sent (and stored so).
 */
import { isUtf8 } from 'node:buffer';

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence; -1: all do. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes allowed after `lead`: the second one narrowed against overlong forms and surrogates.
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/** The body's text, or where it stops being UTF-8 (byte offset and 1-based line). */
export function decodeUtf8(bytes: Buffer): { text: string } | { offset: number; line: number } {
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) return { text: bytes.toString('utf8') };
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return { offset, line };
}
