import type { ReservationCommand, ReservationDecision } from "@promo/contracts";
import { isFailedCodeAttempt } from "@promo/domain";
import type { Logger } from "@promo/observability";
import type { AttemptAdmission, AttemptLimiter } from "@promo/queue";

/** How long a code decided without a failed attempt is known to be live. */
export const LIVE_CODE_MS = 2_000;
/** Most codes known live at once (the oldest are forgotten first). */
const MAX_LIVE_CODES = 10_000;

/** A request the gate admitted: whether its code was counted then, and the sets it was added to. */
export type GateAdmission = { blockedForMs: number; counted: boolean; addedTo: readonly string[] };

/**
 * The guess limit on the reservation path (docs/api.md "Misuse monitoring"), a batch at a time. A request
 * is counted when admitted, before it is decided, so parallel requests cannot pass the limit; once
 * decided, its code is taken back out unless the refusal was a failed code attempt. A code just
 * decided without a failed attempt (reserved, or refused as only a live code is) is known to be
 * live for LIVE_CODE_MS: its requests are only checked against the limit when admitted, and counted
 * once decided should one fail after all (the code ended meanwhile, or is not for the shopper's
 * member groups). So a flash sale's thousands of requests for one code cost one check each, while a
 * guesser's requests for codes nobody is using are counted before they are decided.
 */
export function createReservationGuessGate(options: {
  limiter: AttemptLimiter;
  logger: Logger;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  /** store:codeKey → until when it is known live (ms). */
  const liveCodes = new Map<string, number>();
  const liveKey = (command: ReservationCommand) => `${command.storeId}:${command.codeKey}`;

  function knownLive(command: ReservationCommand, at: number): boolean {
    const until = liveCodes.get(liveKey(command));
    return until !== undefined && until > at;
  }

  function rememberLive(command: ReservationCommand, at: number): void {
    const key = liveKey(command);
    liveCodes.delete(key);
    liveCodes.set(key, at + LIVE_CODE_MS);
    if (liveCodes.size > MAX_LIVE_CODES) {
      const oldest = liveCodes.keys().next().value;
      if (oldest !== undefined) liveCodes.delete(oldest);
    }
  }

  return {
    /** Per command, in their order: blocked, or let through (counted unless its code is known live). */
    async admit(commands: readonly ReservationCommand[]): Promise<GateAdmission[]> {
      const at = now();
      const counted = commands.map((command) => !knownLive(command, at));
      const admissions: AttemptAdmission[] = await options.limiter.admitEach(
        commands.map((command, index) => ({ ...command, count: counted[index] ?? true })),
      );
      return admissions.map((admission, index) => ({ ...admission, counted: counted[index] ?? true }));
    },
    /**
     * A batch's decisions, with each request's admission: codes that were no failed attempt are
     * taken back out (and known live); failed attempts not counted when admitted are counted now.
     */
    decided(
      entries: readonly {
        command: ReservationCommand;
        admission: GateAdmission;
        decision: ReservationDecision;
      }[],
    ): void {
      const at = now();
      const withdrawals: { addedTo: readonly string[]; codeKey: string }[] = [];
      const late: ReservationCommand[] = [];
      for (const { command, admission, decision } of entries) {
        if (isFailedCodeAttempt(errorCodeOf(decision) ?? "")) {
          liveCodes.delete(liveKey(command));
          if (!admission.counted) late.push(command);
        } else {
          rememberLive(command, at);
          if (admission.addedTo.length > 0)
            withdrawals.push({ addedTo: admission.addedTo, codeKey: command.codeKey });
        }
      }
      if (withdrawals.length > 0)
        options.limiter.withdraw(withdrawals).catch((error: unknown) => {
          options.logger.warn(
            { err: error, requests: withdrawals.length },
            "guess limit codes not withdrawn",
          );
        });
      for (const command of late)
        options.limiter.recordFailures(command, [command.codeKey]).catch((error: unknown) => {
          options.logger.warn({ err: error }, "failed attempt not counted");
        });
    },
  };
}
export type ReservationGuessGate = ReturnType<typeof createReservationGuessGate>;

/** The refusal a decision answers, or null when it reserved. */
function errorCodeOf(decision: ReservationDecision): string | null {
  if (decision.kind === "decided")
    return decision.reservation.status === "REJECTED" ? (decision.reservation.errorCode ?? null) : null;
  return decision.errorCode;
}
