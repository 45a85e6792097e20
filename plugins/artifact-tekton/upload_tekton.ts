/**
 * `cosign-ts upload tekton -f FILE [-f FILE …] [--ctime T] [--label k=v] [--annotate k=v] REF`:
 * pushes Tekton resources as a Tekton bundle exactly as `tkn bundle push` lays it out (see
 * bundle.ts), after checking every resource; prints `REPO@sha256:…`. The bundle is an image:
 * `sign`, `verify`, `tree`, `copy`, `save`/`load` work on it unchanged, and `verify` lists the
 * resources it verified.
 * @module
 */
import { CosignError } from "../../core/errors.ts";
import type { FlagValues, Invocation } from "../../core/plugin.ts";
import { parseAnnotations } from "../../cli/args.ts";
import { buildBundle, pushBundle } from "./bundle.ts";
import { readResourceText } from "./resource_text.ts";

/** tkn's --ctime: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (both UTC) or RFC 3339; default now. */
export function parseCtime(value: string | undefined, now: Date = new Date()): Date {
  if (value === undefined || value === "") return now;
  let text = value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += "T00:00:00Z";
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text)) text += "Z";
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const d = new Date(text);
  if (!ok || Number.isNaN(d.getTime())) {
    throw new CosignError("USAGE", `Bad --ctime "${value}"`, {
      hint: "Write YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (UTC) or an RFC 3339 time.",
    });
  }
  return d;
}

/** Runs `upload tekton` (the command spec is in plugin.ts). */
export async function runUploadTekton({ flags, args, ctx, io }: Invocation): Promise<void> {
  const f: FlagValues = flags;
  const files = (f.filenames as string[] | undefined) ?? [];
  if (files.length === 0) {
    throw new CosignError("USAGE", "upload tekton needs a resource file: -f FILE", {
      hint: "Example: cosign-ts upload tekton -f task.yaml localhost:5000/tekton/build:v1",
    });
  }
  const created = parseCtime(f.ctime as string | undefined);
  const labels = parseAnnotations((f.label as string[] | undefined) ?? [], "Label (--label)");
  const annotations = parseAnnotations(
    (f.annotate as string[] | undefined) ?? [],
    "Annotation (--annotate)",
  );
  const sources = [];
  for (const path of files) {
    sources.push({
      path,
      text: await readResourceText(path, "Pass Tekton resource files (YAML or JSON) with -f."),
    });
  }
  const bundle = await buildBundle(sources, { created, labels, annotations });
  ctx.log.info("Creating Tekton Bundle:");
  for (const l of bundle.layers) {
    ctx.log.info(`\t- Added ${l.resource.kind}: ${l.resource.name} to image`);
  }
  const at = await pushBundle(ctx, args[0], bundle);
  ctx.log.info(`Pushed Tekton Bundle to ${at}`);
  await io.out(at + "\n");
}
