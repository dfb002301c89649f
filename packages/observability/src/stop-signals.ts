import type { Logger } from "./logger.ts";

/**
 * A service's graceful stop: on the first SIGTERM or SIGINT, `stop` runs (it logs, finishes the work
 * in hand and closes its connections) and the process exits 0; if that takes longer than
 * `deadlineMs`, it exits 1 with `lateMessage`. Later signals are ignored while it stops.
 */
export function exitOnStopSignals(
  logger: Pick<Logger, "error">,
  stop: (signal: string) => Promise<void>,
  options: { deadlineMs?: number; lateMessage?: string } = {},
): void {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error(options.lateMessage ?? "shutdown took too long; exiting");
      process.exit(1);
    }, options.deadlineMs ?? 30_000).unref();
    await stop(signal);
    process.exit(0);
  };
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
  process.on("SIGINT", () => void onSignal("SIGINT"));
}
