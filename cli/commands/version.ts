/**
 * `cosign-ts version`: prints the version, the runtime and the loaded plugins.
 * @module
 */
import type { Command } from "../command.ts";
import { VERSION } from "../version.ts";

/** The version command. */
export const command: Command = {
  name: "version",
  summary: "Prints the cosign-ts version.",
  usage: "cosign-ts version [--json]",
  examples: ["cosign-ts version", "cosign-ts version --json"],
  flags: [{ name: "json", type: "boolean", description: "Print JSON." }],
  args: { max: 0 },
  async run({ flags, ctx, io }) {
    const info = {
      gitVersion: `v${VERSION}`,
      runtime: `${ctx.runtime.name} ${ctx.runtime.version}`,
      plugins: ctx.plugins.plugins.map((p) => p.name),
    };
    if (flags.json) {
      await io.out(JSON.stringify(info, null, 2) + "\n");
    } else {
      await io.out(
        `cosign-ts: container and artifact signing, compatible with cosign\n\n` +
          `GitVersion:    ${info.gitVersion}\nRuntime:       ${info.runtime}\n` +
          `Plugins:       ${info.plugins.join(", ")}\n`,
      );
    }
  },
};
