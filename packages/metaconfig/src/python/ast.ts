/** Syntax tree of the interpreted Python subset. Every node carries its 1-based line in the snippet. */

export type Expr =
  | { kind: 'int'; value: number; line: number }
  | { kind: 'float'; value: number; line: number }
  | { kind: 'str'; value: string; line: number }
  | { kind: 'const'; value: null | boolean; line: number }
  | { kind: 'name'; id: string; line: number }
  | { kind: 'list'; items: Expr[]; line: number }
  | { kind: 'tuple'; items: Expr[]; line: number }
  /** `key: null` marks a `**mapping` unpacking entry. */
  | { kind: 'dict'; entries: { key: Expr | null; value: Expr }[]; line: number }
  | { kind: 'subscript'; value: Expr; index: Expr; line: number }
  | { kind: 'slice'; lower: Expr | null; upper: Expr | null; step: Expr | null; line: number }
  | { kind: 'attribute'; value: Expr; attr: string; line: number }
  | { kind: 'call'; func: Expr; args: Expr[]; kwargs: { name: string; value: Expr }[]; line: number }
  | { kind: 'binop'; op: BinOp; left: Expr; right: Expr; line: number }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr; line: number }
  | { kind: 'boolop'; op: 'and' | 'or'; values: Expr[]; line: number }
  | { kind: 'compare'; left: Expr; ops: CmpOp[]; comparators: Expr[]; line: number }
  | { kind: 'ifexp'; test: Expr; body: Expr; orelse: Expr; line: number }
  | { kind: 'lambda'; params: Param[]; body: Expr; line: number };

export type BinOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CmpOp = '<' | '>' | '==' | '!=' | '<=' | '>=' | 'in' | 'not in' | 'is' | 'is not';

export interface Param {
  name: string;
  default: Expr | null;
}

export type Target =
  | { kind: 'name'; id: string; line: number }
  | { kind: 'subscript'; value: Expr; index: Expr; line: number }
  | { kind: 'unpack'; items: Target[]; line: number };

export type Stmt =
  | { kind: 'import'; names: { module: string; asname: string | null }[]; line: number }
  | { kind: 'from'; module: string; names: { name: string; asname: string | null }[] | '*'; line: number }
  | { kind: 'def'; name: string; params: Param[]; body: Stmt[]; line: number }
  | { kind: 'return'; value: Expr | null; line: number }
  | { kind: 'if'; test: Expr; body: Stmt[]; orelse: Stmt[]; line: number }
  | { kind: 'assign'; targets: Target[]; value: Expr; line: number }
  | { kind: 'augassign'; target: Target; op: BinOp; value: Expr; line: number }
  | { kind: 'expr'; value: Expr; line: number }
  | { kind: 'pass'; line: number };

export interface Module {
  body: Stmt[];
}
