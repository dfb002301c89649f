import type { Logger } from "./logger.ts";

/**
 * One process's log of a dependency's outages (Redis, say), however many connections it holds to
 * it. A connection retrying every few hundred milliseconds fails each attempt; logging each one at
 * warn buried everything else during an outage (a code jobs worker wrote 20 lines in 12 seconds).
 * So: one warn when the first connection fails, a reminder at warn every `remindEveryMs` while any
 * is still down, the attempts in between at debug, and one info line when the last is back.
 */
export type OutageLog = {
  /** A connection (`source`) failed to reach the dependency; `error` is whatever it threw. */
  failed(source: string, error: unknown): void;
  /** The connection is ready again. */
  recovered(source: string): void;
  /**
   * The connection was closed on purpose: it no longer counts as down. Nothing is logged: whether
   * the dependency is back is not known (a process shutting down during an outage, say).
   */
  forget(source: string): void;
};

export function createOutageLog(options: {
  logger: Pick<Logger, "warn" | "info" | "debug">;
  dependency: string;
  remindEveryMs?: number;
  now?: () => number;
}): OutageLog {
  const { logger, dependency } = options;
  const remindEveryMs = options.remindEveryMs ?? 60_000;
  const now = options.now ?? Date.now;
  const down = new Set<string>();
  let outage: { since: number; attempts: number; lastWarnAt: number } | null = null;
  const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

  return {
    failed(source, error) {
      down.add(source);
      const at = now();
      if (outage === null) {
        outage = { since: at, attempts: 1, lastWarnAt: at };
        logger.warn(
          { dependency, source, err: messageOf(error) },
          `${dependency} unreachable; retrying (further attempts at debug)`,
        );
        return;
      }
      outage.attempts += 1;
      const fields = { dependency, source, err: messageOf(error), downForMs: at - outage.since };
      if (at - outage.lastWarnAt >= remindEveryMs) {
        outage.lastWarnAt = at;
        logger.warn({ ...fields, failedAttempts: outage.attempts }, `${dependency} still unreachable`);
      } else logger.debug(fields, `${dependency} connection attempt failed`);
    },
    recovered(source) {
      down.delete(source);
      if (outage === null || down.size > 0) return;
      logger.info(
        { dependency, downForMs: now() - outage.since, failedAttempts: outage.attempts },
        `${dependency} reachable again`,
      );
      outage = null;
    },
    forget(source) {
      down.delete(source);
      if (down.size === 0) outage = null;
    },
  };
}
