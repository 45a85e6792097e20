/**
 * pcscd (PC/SC daemon) for the PIV tests: Yubico's libykcs11 talks to cards through it.
 * Debian's pcscd 1.9 listens on `/run/pcscd/pcscd.comm` (it does not take another socket path),
 * so {@link ensurePcscd} reuses a daemon that already answers there, or starts one in the
 * foreground and stops it again.
 *
 * @example
 * ```ts
 * const pcscd = await ensurePcscd();
 * try { ... } finally { await pcscd.stop(); }
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";

/** Where pcscd listens. */
export const PCSCD_SOCKET = "/run/pcscd/pcscd.comm";

/** True when something accepts connections on pcscd's socket. */
export function pcscdAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(PCSCD_SOCKET);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A pcscd this test may rely on. */
export interface Pcscd {
  /** False when a daemon was already running (stop() then leaves it alone). */
  started: boolean;
  /** Stops the daemon if this helper started it. */
  stop(): Promise<void>;
}

/** Reuses a running pcscd or starts `pcscd --foreground` and waits for its socket (5 s). */
export async function ensurePcscd(): Promise<Pcscd> {
  if (await pcscdAnswers()) return { started: false, stop: () => Promise.resolve() };
  const child: ChildProcess = spawn("pcscd", ["--foreground"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    if (await pcscdAnswers()) return { started: true, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error("pcscd did not start (is the pcscd package installed?)");
}
