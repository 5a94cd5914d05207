/**
 * Tokenizer for the Python subset used by `dy__eval` snippets. It follows CPython's lexical rules
 * (indentation tokens, implicit line joining inside brackets, string prefixes and escapes) closely
 * enough that any snippet it accepts means the same thing it means to Python.
 */
import { PySyntaxError, UnsupportedConstructError } from './errors.js';

export type TokenKind = 'name' | 'int' | 'float' | 'string' | 'op' | 'newline' | 'indent' | 'dedent' | 'end';

export interface Token {
  kind: TokenKind;
  /** Identifier / operator text, the decoded string, or the number's source text. */
  value: string;
  line: number;
}

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=', '**', '//', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=',
  '&=', '|=', '^=', '@=', '<<', '>>', '<>',
  '+', '-', '*', '/', '%', '<', '>', '=', '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '@', '&', '|', '^', '~',
];

const NAME_START = /[\p{L}\p{Nl}_]/u;
const NAME_CHAR = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;

export function tokenize(source: string): Token[] {
  const src = source.replace(/\r\n?/g, '\n');
  const tokens: Token[] = [];
  const indents = [0];
  let i = 0;
  let line = 1;
  let depth = 0; // bracket nesting: newlines inside brackets are ignored
  let atLineStart = true;
  const brackets: { ch: string; line: number }[] = [];

  const push = (kind: TokenKind, value: string, l = line) => tokens.push({ kind, value, line: l });

  while (i < src.length) {
    if (atLineStart && depth === 0) {
      // Measure indentation; blank and comment-only lines do not count.
      let col = 0;
      let j = i;
      while (j < src.length && (src[j] === ' ' || src[j] === '\t' || src[j] === '\f')) {
        col = src[j] === '\t' ? (Math.floor(col / 8) + 1) * 8 : src[j] === '\f' ? 0 : col + 1;
        j++;
      }
      if (j >= src.length) {
        i = j;
        break;
      }
      if (src[j] === '\n' || src[j] === '#') {
        while (j < src.length && src[j] !== '\n') j++;
        i = j + 1;
        line++;
        continue;
      }
      if (src[j] === '\\' && src[j + 1] === '\n') {
        // A continuation line at the start counts as the same logical line in CPython; keep it simple.
        i = j + 2;
        line++;
        continue;
      }
      const top = indents[indents.length - 1] ?? 0;
      if (col > top) {
        indents.push(col);
        push('indent', '');
      } else if (col < top) {
        while (col < (indents[indents.length - 1] ?? 0)) {
          indents.pop();
          push('dedent', '');
        }
        if (col !== (indents[indents.length - 1] ?? 0)) {
          throw new PySyntaxError('unindent does not match any outer indentation level', line);
        }
      }
      i = j;
      atLineStart = false;
    }

    const c = src[i] as string;
    if (c === '\n') {
      if (depth === 0) {
        push('newline', '');
        atLineStart = true;
      }
      i++;
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        i += 2;
        line++;
        continue;
      }
      throw new PySyntaxError('unexpected character after line continuation character', line);
    }

    // Strings, with optional prefixes.
    const strMatch = /^([rRuUbBfF]{0,2})(['"])/.exec(src.slice(i, i + 3));
    if (strMatch && (strMatch[1] === '' || isStringPrefix(strMatch[1] ?? ''))) {
      const prefix = (strMatch[1] ?? '').toLowerCase();
      if (prefix.includes('f')) throw new UnsupportedConstructError('an f-string', line);
      if (prefix.includes('b')) throw new UnsupportedConstructError('a bytes literal', line);
      const raw = prefix.includes('r');
      i += prefix.length;
      const startLine = line;
      const q = src[i] as string;
      const triple = src.startsWith(q.repeat(3), i);
      const delim = triple ? q.repeat(3) : q;
      i += delim.length;
      let out = '';
      for (;;) {
        if (i >= src.length) throw new PySyntaxError('unterminated string literal', startLine);
        if (src.startsWith(delim, i)) {
          i += delim.length;
          break;
        }
        const ch = src[i] as string;
        if (ch === '\n') {
          if (!triple) throw new PySyntaxError('unterminated string literal', startLine);
          line++;
          out += ch;
          i++;
          continue;
        }
        if (ch === '\\') {
          const next = src[i + 1];
          if (next === undefined) throw new PySyntaxError('unterminated string literal', startLine);
          if (raw) {
            // Raw strings keep the backslash; it still protects a quote or a newline.
            out += ch + next;
            if (next === '\n') line++;
            i += 2;
            continue;
          }
          const [decoded, used] = decodeEscape(src, i, line);
          if (next === '\n') line++;
          out += decoded;
          i += used;
          continue;
        }
        out += ch;
        i++;
      }
      push('string', out, startLine);
      continue;
    }

    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m =
        /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?\.?(?:[0-9](?:_?[0-9])*)?(?:[eE][-+]?[0-9](?:_?[0-9])*)?)/.exec(
          src.slice(i),
        );
      const text = m?.[0] ?? '';
      if (text === '' || text === '.') throw new PySyntaxError('invalid number', line);
      const after = src[i + text.length] ?? '';
      if (after === 'j' || after === 'J') throw new UnsupportedConstructError('a complex number', line);
      if (NAME_CHAR.test(after)) throw new PySyntaxError(`invalid number literal ${text}${after}`, line);
      const isFloat = !/^0[xXoObB]/.test(text) && /[.eE]/.test(text);
      if (!isFloat && /^0[0-9_]+$/.test(text) && /[1-9]/.test(text)) {
        throw new PySyntaxError('leading zeros in decimal integer literals are not permitted', line);
      }
      push(isFloat ? 'float' : 'int', text);
      i += text.length;
      continue;
    }

    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j] as string)) j++;
      push('name', src.slice(i, j));
      i = j;
      continue;
    }

    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new PySyntaxError(`invalid character ${JSON.stringify(c)}`, line);
    if (op === '(' || op === '[' || op === '{') {
      depth++;
      brackets.push({ ch: op, line });
    } else if (op === ')' || op === ']' || op === '}') {
      const open = brackets.pop();
      if (open === undefined) throw new PySyntaxError(`unmatched '${op}'`, line);
      const want = open.ch === '(' ? ')' : open.ch === '[' ? ']' : '}';
      if (want !== op) throw new PySyntaxError(`closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'`, line);
      depth--;
    }
    push('op', op);
    i += op.length;
  }

  if (brackets.length > 0) {
    const open = brackets[brackets.length - 1];
    throw new PySyntaxError(`'${open?.ch}' was never closed`, open?.line ?? line);
  }
  if (tokens.length > 0 && tokens[tokens.length - 1]?.kind !== 'newline' && tokens[tokens.length - 1]?.kind !== 'dedent') {
    push('newline', '');
  }
  while (indents.length > 1) {
    indents.pop();
    push('dedent', '');
  }
  push('end', '');
  return tokens;
}

function isStringPrefix(p: string): boolean {
  return /^(?:r|u|b|f|br|rb|fr|rf)$/i.test(p);
}

/** Decode one backslash escape starting at `src[i]`; returns the text and the number of chars used. */
function decodeEscape(src: string, i: number, line: number): [string, number] {
  const n = src[i + 1] as string;
  switch (n) {
    case '\n':
      return ['', 2];
    case '\\':
    case "'":
    case '"':
      return [n, 2];
    case 'a':
      return ['\x07', 2];
    case 'b':
      return ['\b', 2];
    case 'f':
      return ['\f', 2];
    case 'n':
      return ['\n', 2];
    case 'r':
      return ['\r', 2];
    case 't':
      return ['\t', 2];
    case 'v':
      return ['\v', 2];
    case 'x': {
      const h = src.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new PySyntaxError('truncated \\xXX escape', line);
      return [String.fromCharCode(parseInt(h, 16)), 4];
    }
    case 'u':
    case 'U': {
      const len = n === 'u' ? 4 : 8;
      const h = src.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new PySyntaxError(`truncated \\${n} escape`, line);
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) throw new PySyntaxError('illegal Unicode character', line);
      return [String.fromCodePoint(cp), 2 + len];
    }
    case 'N':
      throw new UnsupportedConstructError('a \\N{...} escape', line);
    default: {
      const oct = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4));
      if (oct) return [String.fromCharCode(parseInt(oct[0], 8)), 1 + oct[0].length];
      // Unknown escapes keep their backslash, as in Python.
      return ['\\' + n, 2];
    }
  }
}
