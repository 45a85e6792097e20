/**
 * The "policy-cue" plugin's public face.
 * @module
 */
export { cuePolicyEngine, policyCuePlugin } from "./plugin.ts";
export { evaluateCuePolicy } from "./cue_policy.ts";
export { parseCue } from "./cue_parser.ts";
export { formatCueError, validateCue } from "./cue_eval.ts";
