/**
 * Progress for long transfers (issue 13 item 10), the `ctx.progress` of core/plugin.ts: on a
 * terminal only (standard error is a TTY and `CI` is not set), never on a pipe or in CI. One line
 * on standard error, redrawn at most ten times a second: `label  12.0 MiB / 48.0 MiB  25%`;
 * `done()` draws the last state and ends the line.
 *
 * @example
 * ```ts
 * const progress = progressFactory({ isTerminal: true, env: () => undefined, write });
 * const p = progress?.("Downloading layer sha256:ab12…", size);
 * p?.advance(chunk.length);
 * p?.done();
 * ```
 * @module
 */
import type { Progress } from "../core/plugin.ts";

/** What {@link progressFactory} needs from its host. */
export interface ProgressHost {
  /** True when standard error is a terminal. */
  isTerminal: boolean;
  /** Environment lookup (for `CI`). */
  env: (name: string) => string | undefined;
  /** Writes to standard error. */
  write: (text: string) => void;
  /** Clock in milliseconds (tests). Default `Date.now`. */
  now?: () => number;
}

/** Human size: `512 B`, `12.0 KiB`, `3.4 MiB`, `1.2 GiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/**
 * The progress factory for a context, or undefined where no progress may be shown (standard
 * error is not a terminal, or `CI` is set to anything but "" / "false" / "0").
 */
export function progressFactory(
  host: ProgressHost,
): ((label: string, total?: number) => Progress) | undefined {
  const ci = host.env("CI");
  if (!host.isTerminal || (ci !== undefined && !["", "false", "0"].includes(ci))) return undefined;
  const now = host.now ?? Date.now;
  return (label, total) => {
    let done = 0;
    let last = -Infinity;
    let finished = false;
    let width = 0;
    const draw = () => {
      const pct = total ? `  ${Math.min(100, Math.floor((done / total) * 100))}%` : "";
      const text = `${label}  ${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ""}${pct}`;
      host.write(`\r${text}${" ".repeat(Math.max(0, width - text.length))}`);
      width = text.length;
    };
    return {
      advance(bytes) {
        if (finished) return;
        done += bytes;
        const t = now();
        if (t - last >= 100) {
          last = t;
          draw();
        }
      },
      done() {
        if (finished) return;
        finished = true;
        if (width > 0 || done > 0) {
          draw();
          host.write("\n");
        }
      },
    };
  };
}
