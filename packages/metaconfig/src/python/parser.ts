/**
 * Recursive-descent parser for the Python subset. Valid Python outside the subset (loops, classes,
 * comprehensions, star-arguments, ...) raises `UnsupportedConstructError` naming the construct, so the
 * user learns exactly what to rewrite; text that is not Python raises `PySyntaxError`.
 */
import type { BinOp, CmpOp, Expr, Module, Param, Stmt, Target } from './ast.js';
import { PySyntaxError, UnsupportedConstructError } from './errors.js';
import { tokenize, type Token } from './tokenizer.js';

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const UNSUPPORTED_STATEMENTS: Record<string, string> = {
  for: 'a for loop',
  while: 'a while loop',
  class: 'a class definition',
  try: 'a try statement',
  with: 'a with statement',
  async: 'async code',
  del: 'a del statement',
  global: 'a global statement',
  nonlocal: 'a nonlocal statement',
  raise: 'a raise statement',
  assert: 'an assert statement',
  break: 'a break statement',
  continue: 'a continue statement',
  yield: 'a yield expression',
  await: 'an await expression',
};

const AUG_OPS: Record<string, BinOp> = { '+=': '+', '-=': '-', '*=': '*', '/=': '/', '//=': '//', '%=': '%', '**=': '**' };
const BITWISE = new Set(['|', '^', '&', '<<', '>>']);

/**
 * How deep a snippet may nest: brackets, unary operators and blocks while it is read (CPython refuses 200 nested
 * parentheses too), and its syntax tree after (a chain of 20,000 additions is 20,000 levels to check and evaluate).
 * Each level is a few frames of recursion here, in the static check and in the evaluator.
 */
export const MAX_SNIPPET_NESTING = 200;

export function parseModule(source: string): Module {
  return limitDepth(new Parser(tokenize(source)).module());
}

/** Parse `source` as a single expression (Python's eval mode). */
export function parseExpression(source: string): Expr {
  return limitDepth(new Parser(tokenize(source.replace(/^[ \t]+/, ''))).expressionInput());
}

/** The tree as it is, or a SyntaxError where it is deeper than MAX_SNIPPET_NESTING (walked without recursion). */
function limitDepth<T extends object>(tree: T): T {
  const stack: [unknown, number][] = [[tree, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    // Arrays and helper records ({key, value}, parameters) hold nodes; nodes (with a kind) are the levels.
    const level = 'kind' in node ? depth + 1 : depth;
    if (level > MAX_SNIPPET_NESTING) {
      throw new PySyntaxError(`the snippet nests more than ${MAX_SNIPPET_NESTING} levels deep (a chain of operators counts one level each)`, (node as { line?: number }).line ?? 1);
    }
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return tree;
}

export function parseIntLiteral(text: string, line: number): number {
  const t = text.replace(/_/g, '').toLowerCase();
  const n = t.startsWith('0x') ? parseInt(t.slice(2), 16) : t.startsWith('0o') ? parseInt(t.slice(2), 8) : t.startsWith('0b') ? parseInt(t.slice(2), 2) : Number(t);
  if (!Number.isSafeInteger(n)) throw new UnsupportedConstructError('an integer literal beyond 2^53', line, text);
  return n;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Parses one level deeper: refused past MAX_SNIPPET_NESTING, before the recursion can exhaust the stack. */
  private deeper<T>(parse: () => T): T {
    this.depth++;
    try {
      if (this.depth > MAX_SNIPPET_NESTING) throw new PySyntaxError(`the snippet nests more than ${MAX_SNIPPET_NESTING} levels deep`, this.peek().line);
      return parse();
    } finally {
      this.depth--;
    }
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.value === value;
  }
  private isKw(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.value === value;
  }
  private expectOp(value: string): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== value) throw this.syntax(`expected '${value}'`, t);
    return t;
  }
  private expectKw(value: string): Token {
    const t = this.next();
    if (t.kind !== 'name' || t.value !== value) throw this.syntax(`expected '${value}'`, t);
    return t;
  }
  private expectName(): Token {
    const t = this.next();
    if (t.kind !== 'name' || KEYWORDS.has(t.value)) throw this.syntax('expected a name', t);
    return t;
  }
  private syntax(message: string, t: Token = this.peek()): PySyntaxError {
    const shown = t.kind === 'end' ? 'end of input' : t.kind === 'newline' ? 'end of line' : t.kind === 'indent' ? 'indentation' : t.kind === 'dedent' ? 'dedent' : JSON.stringify(t.value);
    return new PySyntaxError(`invalid syntax: ${message}, found ${shown}`, t.line);
  }

  module(): Module {
    const body: Stmt[] = [];
    while (this.peek().kind !== 'end') {
      if (this.peek().kind === 'newline') {
        this.next();
        continue;
      }
      if (this.peek().kind === 'indent') throw new PySyntaxError('unexpected indent', this.peek().line);
      body.push(...this.statement());
    }
    return { body };
  }

  expressionInput(): Expr {
    const e = this.testList();
    while (this.peek().kind === 'newline') this.next();
    if (this.peek().kind !== 'end') throw this.syntax('unexpected text after the expression');
    return e;
  }

  private statement(): Stmt[] {
    const t = this.peek();
    if (t.kind === 'op' && t.value === '@') throw new UnsupportedConstructError('a decorator', t.line);
    if (t.kind === 'name') {
      if (t.value === 'def') return [this.funcDef()];
      if (t.value === 'if') return [this.ifStmt()];
      const unsupported = UNSUPPORTED_STATEMENTS[t.value];
      if (unsupported !== undefined && t.value !== 'yield' && t.value !== 'await') {
        throw new UnsupportedConstructError(unsupported, t.line);
      }
      if (t.value === 'elif' || t.value === 'else') throw this.syntax('unexpected keyword', t);
    }
    return this.simpleStatements();
  }

  private simpleStatements(): Stmt[] {
    const out = [this.simpleStatement()];
    while (this.isOp(';')) {
      this.next();
      if (this.peek().kind === 'newline') break;
      out.push(this.simpleStatement());
    }
    const t = this.next();
    if (t.kind !== 'newline' && t.kind !== 'end') throw this.syntax('expected end of statement', t);
    return out;
  }

  private simpleStatement(): Stmt {
    const t = this.peek();
    const line = t.line;
    if (t.kind === 'name') {
      switch (t.value) {
        case 'import':
          return this.importStmt();
        case 'from':
          return this.fromStmt();
        case 'return': {
          this.next();
          const atEnd = this.peek().kind === 'newline' || this.peek().kind === 'end' || this.isOp(';');
          return { kind: 'return', value: atEnd ? null : this.testList(), line };
        }
        case 'pass':
          this.next();
          return { kind: 'pass', line };
        default: {
          const unsupported = UNSUPPORTED_STATEMENTS[t.value];
          if (unsupported !== undefined) throw new UnsupportedConstructError(unsupported, line);
        }
      }
    }
    const first = this.testList();
    if (this.isOp('=')) {
      const parts: Expr[] = [first];
      while (this.isOp('=')) {
        this.next();
        parts.push(this.testList());
      }
      const value = parts.pop() as Expr;
      return { kind: 'assign', targets: parts.map((p) => this.toTarget(p)), value, line };
    }
    const nt = this.peek();
    if (nt.kind === 'op' && nt.value.endsWith('=') && nt.value.length >= 2 && !['==', '!=', '<=', '>='].includes(nt.value)) {
      this.next();
      const op = AUG_OPS[nt.value];
      if (op === undefined) {
        throw new UnsupportedConstructError(nt.value === ':=' ? 'an assignment expression (:=)' : `the operator ${nt.value}`, nt.line);
      }
      const target = this.toTarget(first);
      if (target.kind === 'unpack') throw new PySyntaxError("'tuple' is an illegal expression for augmented assignment", line);
      return { kind: 'augassign', target, op, value: this.testList(), line };
    }
    if (this.isOp(':')) throw new UnsupportedConstructError('a variable annotation', line);
    return { kind: 'expr', value: first, line };
  }

  private toTarget(e: Expr): Target {
    switch (e.kind) {
      case 'name':
        return { kind: 'name', id: e.id, line: e.line };
      case 'subscript':
        if (e.index.kind === 'slice') throw new UnsupportedConstructError('slice assignment', e.line);
        return { kind: 'subscript', value: e.value, index: e.index, line: e.line };
      case 'attribute':
        throw new UnsupportedConstructError('attribute assignment', e.line, `.${e.attr} = ...`);
      case 'tuple':
      case 'list':
        return { kind: 'unpack', items: e.items.map((x) => this.toTarget(x)), line: e.line };
      default:
        throw new PySyntaxError('cannot assign to an expression', e.line);
    }
  }

  private dottedName(): string {
    const parts = [this.expectName().value];
    while (this.isOp('.')) {
      this.next();
      parts.push(this.expectName().value);
    }
    return parts.join('.');
  }

  private importStmt(): Stmt {
    const line = this.expectKw('import').line;
    const names: { module: string; asname: string | null }[] = [];
    do {
      if (names.length > 0) this.next();
      const module = this.dottedName();
      let asname: string | null = null;
      if (this.isKw('as')) {
        this.next();
        asname = this.expectName().value;
      }
      names.push({ module, asname });
    } while (this.isOp(','));
    return { kind: 'import', names, line };
  }

  private fromStmt(): Stmt {
    const line = this.expectKw('from').line;
    if (this.isOp('.') || this.isOp('...')) throw new UnsupportedConstructError('a relative import', line);
    const module = this.dottedName();
    this.expectKw('import');
    if (this.isOp('*')) {
      this.next();
      return { kind: 'from', module, names: '*', line };
    }
    const paren = this.isOp('(');
    if (paren) this.next();
    const names: { name: string; asname: string | null }[] = [];
    for (;;) {
      const name = this.expectName().value;
      let asname: string | null = null;
      if (this.isKw('as')) {
        this.next();
        asname = this.expectName().value;
      }
      names.push({ name, asname });
      if (!this.isOp(',')) break;
      this.next();
      if (paren && this.isOp(')')) break;
    }
    if (paren) this.expectOp(')');
    return { kind: 'from', module, names, line };
  }

  private params(closing: string, allowAnnotations: boolean): Param[] {
    const params: Param[] = [];
    const seen = new Set<string>();
    while (!this.isOp(closing)) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '**')) {
        throw new UnsupportedConstructError(t.value === '*' ? '*args / keyword-only parameters' : '**kwargs parameters', t.line);
      }
      if (t.kind === 'op' && t.value === '/') throw new UnsupportedConstructError('positional-only parameters', t.line);
      const name = this.expectName().value;
      if (seen.has(name)) throw new PySyntaxError(`duplicate argument '${name}' in function definition`, t.line);
      seen.add(name);
      if (allowAnnotations && this.isOp(':')) {
        // Annotations are documentation only here; they are parsed and dropped.
        this.next();
        this.test();
      }
      let def: Expr | null = null;
      if (this.isOp('=')) {
        this.next();
        def = this.test();
      } else if (params.some((p) => p.default !== null)) {
        throw new PySyntaxError('non-default argument follows default argument', t.line);
      }
      params.push({ name, default: def });
      if (!this.isOp(',')) break;
      this.next();
    }
    return params;
  }

  private funcDef(): Stmt {
    const line = this.expectKw('def').line;
    const name = this.expectName().value;
    this.expectOp('(');
    const params = this.params(')', true);
    this.expectOp(')');
    if (this.isOp('->')) {
      this.next();
      this.test();
    }
    this.expectOp(':');
    return { kind: 'def', name, params, body: this.suite(), line };
  }

  private ifStmt(): Stmt {
    const line = this.next().line; // 'if' or 'elif'
    const test = this.namedTest();
    this.expectOp(':');
    const body = this.suite();
    let orelse: Stmt[] = [];
    if (this.isKw('elif')) {
      orelse = [this.ifStmt()];
    } else if (this.isKw('else')) {
      this.next();
      this.expectOp(':');
      orelse = this.suite();
    }
    return { kind: 'if', test, body, orelse, line };
  }

  private suite(): Stmt[] {
    return this.deeper(() => this.unboundedSuite());
  }

  private unboundedSuite(): Stmt[] {
    if (this.peek().kind !== 'newline') return this.simpleStatements();
    this.next();
    const t = this.next();
    if (t.kind !== 'indent') throw new PySyntaxError('expected an indented block', t.line);
    const body: Stmt[] = [];
    while (this.peek().kind !== 'dedent' && this.peek().kind !== 'end') body.push(...this.statement());
    if (this.peek().kind === 'dedent') this.next();
    return body;
  }

  private namedTest(): Expr {
    const e = this.test();
    if (this.isOp(':=')) throw new UnsupportedConstructError('an assignment expression (:=)', this.peek().line);
    return e;
  }

  private testList(): Expr {
    const line = this.peek().line;
    const first = this.test();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.atExprEnd()) break;
      items.push(this.test());
    }
    return { kind: 'tuple', items, line };
  }

  private atExprEnd(): boolean {
    const t = this.peek();
    return t.kind === 'newline' || t.kind === 'end' || (t.kind === 'op' && [')', ']', '}', '=', ';', ':'].includes(t.value));
  }

  test(): Expr {
    return this.deeper(() => this.unboundedTest());
  }

  private unboundedTest(): Expr {
    const t = this.peek();
    if (t.kind === 'name' && t.value === 'lambda') return this.lambda();
    const e = this.orTest();
    if (this.isKw('if')) {
      this.next();
      const test = this.orTest();
      this.expectKw('else');
      const orelse = this.test();
      return { kind: 'ifexp', test, body: e, orelse, line: t.line };
    }
    if (this.isOp(':=')) throw new UnsupportedConstructError('an assignment expression (:=)', this.peek().line);
    return e;
  }

  private lambda(): Expr {
    const line = this.expectKw('lambda').line;
    const params = this.params(':', false);
    this.expectOp(':');
    return { kind: 'lambda', params, body: this.test(), line };
  }

  private orTest(): Expr {
    const line = this.peek().line;
    const first = this.andTest();
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.isKw('or')) {
      this.next();
      values.push(this.andTest());
    }
    return { kind: 'boolop', op: 'or', values, line };
  }

  private andTest(): Expr {
    const line = this.peek().line;
    const first = this.notTest();
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.isKw('and')) {
      this.next();
      values.push(this.notTest());
    }
    return { kind: 'boolop', op: 'and', values, line };
  }

  private notTest(): Expr {
    if (this.isKw('not')) {
      const line = this.next().line;
      return { kind: 'unary', op: 'not', operand: this.deeper(() => this.notTest()), line };
    }
    return this.comparison();
  }

  private compOp(): CmpOp | null {
    const t = this.peek();
    if (t.kind === 'op') {
      if (t.value === '<>') throw new PySyntaxError("the '<>' operator does not exist in Python 3", t.line);
      if (['<', '>', '==', '!=', '<=', '>='].includes(t.value)) {
        this.next();
        return t.value as CmpOp;
      }
      return null;
    }
    if (t.kind === 'name') {
      if (t.value === 'in') {
        this.next();
        return 'in';
      }
      if (t.value === 'not' && this.isKw('in', 1)) {
        this.next();
        this.next();
        return 'not in';
      }
      if (t.value === 'is') {
        this.next();
        if (this.isKw('not')) {
          this.next();
          return 'is not';
        }
        return 'is';
      }
    }
    return null;
  }

  private comparison(): Expr {
    const line = this.peek().line;
    const left = this.bitwiseLevel();
    const ops: CmpOp[] = [];
    const comparators: Expr[] = [];
    for (let op = this.compOp(); op !== null; op = this.compOp()) {
      ops.push(op);
      comparators.push(this.bitwiseLevel());
    }
    return ops.length === 0 ? left : { kind: 'compare', left, ops, comparators, line };
  }

  private bitwiseLevel(): Expr {
    const e = this.arith();
    const t = this.peek();
    if (t.kind === 'op' && BITWISE.has(t.value)) throw new UnsupportedConstructError(`the bitwise operator ${t.value}`, t.line);
    return e;
  }

  private arith(): Expr {
    let e = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      e = { kind: 'binop', op: t.value as BinOp, left: e, right: this.term(), line: t.line };
    }
    return e;
  }

  private term(): Expr {
    let e = this.factor();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op') return e;
      if (t.value === '@') throw new UnsupportedConstructError('matrix multiplication (@)', t.line);
      if (t.value !== '*' && t.value !== '/' && t.value !== '//' && t.value !== '%') return e;
      this.next();
      e = { kind: 'binop', op: t.value, left: e, right: this.factor(), line: t.line };
    }
  }

  private factor(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      return { kind: 'unary', op: t.value, operand: this.deeper(() => this.factor()), line: t.line };
    }
    if (t.kind === 'op' && t.value === '~') throw new UnsupportedConstructError('the bitwise operator ~', t.line);
    return this.power();
  }

  private power(): Expr {
    const base = this.atomExpr();
    if (this.isOp('**')) {
      const t = this.next();
      return { kind: 'binop', op: '**', left: base, right: this.deeper(() => this.factor()), line: t.line };
    }
    return base;
  }

  private atomExpr(): Expr {
    if (this.isKw('await')) throw new UnsupportedConstructError('an await expression', this.peek().line);
    let e = this.atom();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op') return e;
      if (t.value === '(') {
        this.next();
        e = this.callArgs(e, t.line);
      } else if (t.value === '[') {
        this.next();
        const index = this.subscriptIndex();
        this.expectOp(']');
        e = { kind: 'subscript', value: e, index, line: t.line };
      } else if (t.value === '.') {
        this.next();
        const name = this.next();
        if (name.kind !== 'name') throw this.syntax('expected an attribute name', name);
        e = { kind: 'attribute', value: e, attr: name.value, line: t.line };
      } else {
        return e;
      }
    }
  }

  private callArgs(func: Expr, line: number): Expr {
    const args: Expr[] = [];
    const kwargs: { name: string; value: Expr }[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '**')) {
        throw new UnsupportedConstructError('argument unpacking (*args / **kwargs)', t.line);
      }
      if (t.kind === 'name' && this.isOp('=', 1)) {
        if (KEYWORDS.has(t.value)) throw this.syntax('keyword argument name expected', t);
        this.next();
        this.next();
        if (kwargs.some((k) => k.name === t.value)) throw new PySyntaxError(`keyword argument repeated: ${t.value}`, t.line);
        kwargs.push({ name: t.value, value: this.test() });
      } else {
        if (kwargs.length > 0) throw new PySyntaxError('positional argument follows keyword argument', t.line);
        args.push(this.test());
        if (this.isKw('for')) throw new UnsupportedConstructError('a generator expression', this.peek().line);
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return { kind: 'call', func, args, kwargs, line };
  }

  private subscriptIndex(): Expr {
    const line = this.peek().line;
    const part = (): Expr | null => (this.isOp(':') || this.isOp(']') ? null : this.test());
    const lower = part();
    if (this.isOp(':')) {
      this.next();
      const upper = part();
      let step: Expr | null = null;
      if (this.isOp(':')) {
        this.next();
        step = part();
      }
      if (this.isOp(',')) throw new UnsupportedConstructError('a multi-dimensional subscript', line);
      return { kind: 'slice', lower, upper, step, line };
    }
    if (lower === null) throw this.syntax('expected an index');
    if (this.isOp(',')) throw new UnsupportedConstructError('a tuple subscript', line);
    return lower;
  }

  private atom(): Expr {
    const t = this.next();
    const line = t.line;
    switch (t.kind) {
      case 'int':
        return { kind: 'int', value: parseIntLiteral(t.value, line), line };
      case 'float':
        return { kind: 'float', value: Number(t.value.replace(/_/g, '')), line };
      case 'string': {
        let value = t.value;
        while (this.peek().kind === 'string') value += this.next().value;
        return { kind: 'str', value, line };
      }
      case 'name': {
        if (t.value === 'True') return { kind: 'const', value: true, line };
        if (t.value === 'False') return { kind: 'const', value: false, line };
        if (t.value === 'None') return { kind: 'const', value: null, line };
        const unsupported = UNSUPPORTED_STATEMENTS[t.value];
        if (unsupported !== undefined && (t.value === 'yield' || t.value === 'await')) throw new UnsupportedConstructError(unsupported, line);
        if (KEYWORDS.has(t.value)) throw this.syntax('unexpected keyword', t);
        return { kind: 'name', id: t.value, line };
      }
      case 'op':
        return this.bracketAtom(t);
      default:
        throw this.syntax('expected an expression', t);
    }
  }

  private bracketAtom(t: Token): Expr {
    const line = t.line;
    switch (t.value) {
      case '(': {
        if (this.isOp(')')) {
          this.next();
          return { kind: 'tuple', items: [], line };
        }
        if (this.isKw('yield')) throw new UnsupportedConstructError('a yield expression', line);
        const first = this.starCheck();
        if (this.isKw('for')) throw new UnsupportedConstructError('a generator expression', this.peek().line);
        if (this.isOp(')')) {
          this.next();
          return first;
        }
        const items = [first];
        while (this.isOp(',')) {
          this.next();
          if (this.isOp(')')) break;
          items.push(this.starCheck());
        }
        this.expectOp(')');
        return { kind: 'tuple', items, line };
      }
      case '[': {
        const items: Expr[] = [];
        while (!this.isOp(']')) {
          items.push(this.starCheck());
          if (this.isKw('for')) throw new UnsupportedConstructError('a list comprehension', this.peek().line);
          if (!this.isOp(',')) break;
          this.next();
        }
        this.expectOp(']');
        return { kind: 'list', items, line };
      }
      case '{': {
        const entries: { key: Expr | null; value: Expr }[] = [];
        while (!this.isOp('}')) {
          if (this.isOp('**')) {
            this.next();
            entries.push({ key: null, value: this.bitwiseLevel() });
          } else {
            const key = this.starCheck();
            if (!this.isOp(':')) {
              if (this.isKw('for')) throw new UnsupportedConstructError('a set comprehension', this.peek().line);
              throw new UnsupportedConstructError('a set literal', line);
            }
            this.next();
            entries.push({ key, value: this.test() });
          }
          if (this.isKw('for')) throw new UnsupportedConstructError('a dict comprehension', this.peek().line);
          if (!this.isOp(',')) break;
          this.next();
        }
        this.expectOp('}');
        return { kind: 'dict', entries, line };
      }
      case '...':
        throw new UnsupportedConstructError('the Ellipsis literal (...)', line);
      case '*':
        throw new UnsupportedConstructError('a starred expression', line);
      default:
        throw this.syntax('expected an expression', t);
    }
  }

  private starCheck(): Expr {
    if (this.isOp('*') || this.isOp('**')) throw new UnsupportedConstructError('a starred expression', this.peek().line);
    return this.test();
  }
}
