/**
 * `verify-attestation --policy F`: evaluates policy files over the in-toto statements that
 * verified, through the policy engines plugins provide (core/plugin.ts `PolicyEngine`: the
 * built-in CUE, Rego and TypeScript engines, or a plugin's own). cosign's flag is a string slice,
 * so `--policy a.cue --policy b.rego` and `--policy a.cue,b.rego` both name two files.
 *
 * Every policy sees every statement; cosign's lines go to stderr ("will be validating against
 * CUE policies: [a.cue]", and on failure "There are N number of errors occurred during the
 * validation:" with one "- <message>" line per error). A refusal throws CosignError("VERIFY",
 * check "policy", exit 12) whose message carries the policy's own words. A policy that cannot be
 * read, parsed or run throws before any verdict: IO/TOO_LARGE/INVALID_INPUT/UNSUPPORTED (exit 1).
 *
 * @example
 * ```ts
 * await checkPolicies(["policy.cue", "policy.rego"], statements, ctx, { subject: "reg/app:1" });
 * ```
 * @module
 */
import { resolve } from "node:path";
import { CosignError, describeError, isCosignError } from "../core/errors.ts";
import type { Context, PolicyEngine, PolicySource } from "../core/plugin.ts";
import { registerLibraryModule } from "../runtime/plugin_host.ts";
import { readSmallFile } from "./blob_input.ts";

/** Largest policy file read (a policy is source text, not data). */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Options for {@link checkPolicies}. */
export interface CheckPoliciesOptions {
  /** What the statements are about (an image reference), for the error message. */
  subject?: string;
}

/** Splits `--policy` values as cosign's string slice does (repeated and comma-separated). */
export function policyPaths(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

/** The engine for a policy file; CosignError("INVALID_INPUT") naming the known engines. */
export function policyEngineFor(name: string, ctx: Context): PolicyEngine {
  const engine = ctx.plugins.policyEngineFor(name);
  if (engine) return engine;
  const known = ctx.plugins.policyEngines().map((e) => `${e.name} (${e.description})`);
  throw new CosignError(
    "INVALID_INPUT",
    `Cannot evaluate policy "${name}": invalid policy format, expected .cue or .rego ` +
      `(or a file another policy engine handles)`,
    {
      hint: `Known policy engines: ${known.join("; ") || "none"}. ` +
        "A plugin loaded with --plugin may add others.",
    },
  );
}

/** Reads a policy file (at most {@link MAX_POLICY_BYTES}, UTF-8). */
export async function readPolicy(name: string): Promise<PolicySource> {
  let bytes: Uint8Array;
  try {
    bytes = await readSmallFile(name, MAX_POLICY_BYTES, "policy");
  } catch (e) {
    // A missing policy is the user's input, not a missing artifact (exit 11).
    if (isCosignError(e, "NOT_FOUND")) {
      throw new CosignError("IO", e.message, { hint: "Check the path given to --policy." });
    }
    throw e;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CosignError("INVALID_INPUT", `Cannot read policy "${name}": it is not UTF-8 text`, {
      hint: "A policy is a .cue, .rego or .ts source file.",
    });
  }
  return { name, path: resolve(name), text };
}

/**
 * Evaluates each policy over the statements; throws CosignError("VERIFY", check "policy") with
 * the policies' messages when any refuses. Warnings go to `ctx.log.warn`.
 */
export async function checkPolicies(
  names: readonly string[],
  statements: readonly unknown[],
  ctx: Context,
  options: CheckPoliciesOptions = {},
): Promise<void> {
  if (names.length === 0) return;
  // Choose every engine and read every file before evaluating anything.
  const policies: { engine: PolicyEngine; source: PolicySource }[] = [];
  for (const name of names) {
    const engine = policyEngineFor(name, ctx);
    policies.push({ engine, source: await readPolicy(name) });
  }
  // TypeScript policies (and plugin engines that import modules) may import "cosign-ts".
  registerLibraryModule(await import("../mod.ts"));
  const byEngine = new Map<string, string[]>();
  for (const { engine, source } of policies) {
    byEngine.set(engine.name, [...(byEngine.get(engine.name) ?? []), source.name]);
  }
  for (const [engine, files] of byEngine) {
    ctx.log.info(
      `will be validating against ${engineTitle(engine)} policies: [${files.join(" ")}]`,
    );
  }
  const errors: string[] = [];
  for (const { engine, source } of policies) {
    let result;
    try {
      result = await engine.evaluate(source, statements, ctx);
    } catch (e) {
      if (isCosignError(e)) throw e;
      throw new CosignError(
        "PLUGIN",
        `Cannot evaluate policy "${source.name}": the "${engine.name}" policy engine failed: ${
          describeError(e)
        }`,
        { cause: e },
      );
    }
    for (const w of result.warnings ?? []) ctx.log.warn(`policy "${source.name}": ${w}`);
    if (!result.allow) {
      const why = result.errors?.length ? result.errors : ["the policy refused the attestations"];
      errors.push(...why.map((m) => `policy "${source.name}": ${m}`));
    }
  }
  if (errors.length === 0) return;
  ctx.log.info(`There are ${errors.length} number of errors occurred during the validation:\n`);
  for (const e of errors) ctx.log.info(`- ${e}`);
  const about = options.subject ? ` for "${options.subject}"` : "";
  throw new CosignError(
    "VERIFY",
    `${errors.length} validation error${errors.length === 1 ? "" : "s"} occurred${about}: ${
      errors.join("; ")
    }`,
    {
      check: "policy",
      hint: "The attestations verified, but the policy refused them: see its messages above.",
    },
  );
}

function engineTitle(name: string): string {
  return ({ cue: "CUE", rego: "Rego", typescript: "TypeScript" } as Record<string, string>)[
    name
  ] ?? name;
}
