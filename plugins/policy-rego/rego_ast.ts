/**
 * The syntax tree of the Rego subset cosign-ts evaluates (see rego_parser.ts for the grammar).
 * @module
 */

/** A JSON scalar. */
export type RegoScalar = null | boolean | number | string;

/** An expression: a term, an operator application, a call or a comprehension. */
export type RegoExpr =
  | { t: "scalar"; v: RegoScalar }
  | { t: "var"; name: string; line: number }
  | { t: "ref"; head: RegoExpr; path: RegoExpr[]; line: number }
  | { t: "array"; items: RegoExpr[] }
  | { t: "object"; entries: [RegoExpr, RegoExpr][] }
  | { t: "set"; items: RegoExpr[] }
  | { t: "call"; fn: string; args: RegoExpr[]; line: number }
  | { t: "compr"; kind: "array" | "set"; head: RegoExpr; body: RegoLiteral[] }
  | { t: "ocompr"; key: RegoExpr; value: RegoExpr; body: RegoLiteral[] }
  | { t: "binop"; op: string; l: RegoExpr; r: RegoExpr; line: number }
  | { t: "neg"; e: RegoExpr }
  | { t: "in"; key?: RegoExpr; value: RegoExpr; coll: RegoExpr };

/** One statement of a rule body. */
export type RegoLiteral =
  | { t: "expr"; e: RegoExpr; not: boolean; line: number }
  | { t: "assign"; lhs: RegoExpr; rhs: RegoExpr; line: number }
  | { t: "unify"; lhs: RegoExpr; rhs: RegoExpr; line: number }
  | { t: "some"; vars: string[]; line: number }
  | { t: "somein"; key?: RegoExpr; value: RegoExpr; coll: RegoExpr; line: number }
  | { t: "every"; key?: string; value: string; coll: RegoExpr; body: RegoLiteral[]; line: number };

/** An `else` branch of a complete rule or function. */
export interface RegoElse {
  /** Its value (true when absent). */
  value?: RegoExpr;
  /** Its body. */
  body: RegoLiteral[];
}

/** A rule: complete (`allow { … }`), partial set/object, function, or default. */
export interface RegoRule {
  /** The rule's name. */
  name: string;
  /** What kind of rule. */
  kind: "complete" | "set" | "object" | "function" | "default";
  /** Partial rules: the key (`deny[msg]`, `deny contains msg`, `obj[k] = v`). */
  key?: RegoExpr;
  /** The value (true when absent for complete rules and functions). */
  value?: RegoExpr;
  /** Function arguments. */
  args?: RegoExpr[];
  /** The body (empty: always true). */
  body: RegoLiteral[];
  /** `else` branches. */
  elses: RegoElse[];
  /** Line of the head. */
  line: number;
}

/** A parsed module. */
export interface RegoModule {
  /** The package path (`package signature` → ["signature"]). */
  pkg: string[];
  /** The rules, in source order. */
  rules: RegoRule[];
}
