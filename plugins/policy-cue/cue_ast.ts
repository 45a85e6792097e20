/**
 * The syntax tree of the CUE subset cosign-ts evaluates (see cue_parser.ts for the grammar).
 * @module
 */

/** A CUE expression. */
export type CueExpr =
  | { t: "lit"; v: null | boolean | number | string; int?: boolean }
  | { t: "interp"; parts: (string | CueExpr)[] }
  | { t: "top" }
  | { t: "bottom" }
  | { t: "ident"; name: string; line: number }
  | { t: "select"; x: CueExpr; name: string; line: number }
  | { t: "index"; x: CueExpr; i: CueExpr; line: number }
  | { t: "call"; fn: CueExpr; args: CueExpr[]; line: number }
  | { t: "struct"; decls: CueDecl[]; line: number }
  | { t: "list"; items: CueExpr[]; tail?: CueExpr; line: number }
  | { t: "unary"; op: string; x: CueExpr; line: number }
  | { t: "binary"; op: string; l: CueExpr; r: CueExpr; line: number }
  | { t: "default"; x: CueExpr }
  | { t: "compr"; clauses: CueClause[]; value: CueExpr; line: number };

/** A clause of a list comprehension: `for k, v in e`, `if e`, `let x = e`. */
export type CueClause =
  | { t: "for"; key?: string; value: string; source: CueExpr }
  | { t: "if"; cond: CueExpr }
  | { t: "let"; name: string; value: CueExpr };

/** A declaration in a struct. */
export type CueDecl =
  | {
    t: "field";
    label: string;
    optional: boolean;
    required: boolean;
    value: CueExpr;
    line: number;
  }
  | { t: "let"; name: string; value: CueExpr; line: number }
  | { t: "pattern"; label: CueExpr; value: CueExpr; line: number }
  | { t: "guard"; conds: CueExpr[]; decls: CueDecl[]; line: number }
  | { t: "ellipsis"; line: number };

/** A parsed file: its package, imports (alias → path) and top-level struct. */
export interface CueFile {
  /** `package x`, if any. */
  pkg?: string;
  /** Imported packages by the name they are referred to. */
  imports: Map<string, string>;
  /** The file's declarations as one struct. */
  root: Extract<CueExpr, { t: "struct" }>;
}
