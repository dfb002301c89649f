import {
  type AlertWindowCheck,
  type CodeCandidate,
  countAlertWindows,
  type NewAlert,
  raiseAlerts,
  type Sql,
} from "@promo/db";
import {
  alertWindowOf,
  exceedsVelocity,
  mostlyOutsideGroups,
  type OutsideGroupsAlertSettings,
  outsideGroupsPercent,
} from "@promo/domain";

/** What a batch decided on one code, as far as leak monitoring cares. */
export type CodeDecision = { candidate: CodeCandidate; granted: boolean; errorCode: string | null };

type Check = AlertWindowCheck & { candidate: CodeCandidate };

/**
 * Which (code, kind, window) a batch could tip over: a velocity check for each code of a campaign
 * with `velocityAlert` that the batch granted a hold on, an outside-member-groups check for each
 * member-only code the batch refused NOT_ELIGIBLE_MEMBER_GROUP. Batches that touch no monitored
 * code (a flash sale without monitoring) check nothing and cost no query.
 */
export function alertChecksFor(
  decisions: readonly CodeDecision[],
  outsideGroups: OutsideGroupsAlertSettings,
  now: Date,
): Check[] {
  const checks = new Map<string, Check>();
  for (const { candidate, granted, errorCode } of decisions) {
    const { campaign, code } = candidate;
    if (granted && campaign.velocityAlert) {
      const window = alertWindowOf(campaign.startsAt, now, campaign.velocityAlert.windowSeconds);
      checks.set(`${code.id}:velocity`, {
        candidate,
        codeId: code.id,
        kind: "velocity",
        windowStart: window.start,
        windowEnd: window.end,
      });
    }
    if (errorCode === "NOT_ELIGIBLE_MEMBER_GROUP" && campaign.memberGroups.length > 0) {
      const window = alertWindowOf(campaign.startsAt, now, outsideGroups.windowSeconds);
      checks.set(`${code.id}:outside_member_groups`, {
        candidate,
        codeId: code.id,
        kind: "outside_member_groups",
        windowStart: window.start,
        windowEnd: window.end,
      });
    }
  }
  return [...checks.values()];
}

/**
 * Counts the windows the batch could tip over (one statement) and raises the alerts that are due
 * (one more statement, only then): at most one per code, kind and window, each with its
 * promo.alerts outbox row, in the batch's transaction.
 */
export async function raiseLeakAlerts(
  tx: Sql,
  decisions: readonly CodeDecision[],
  outsideGroups: OutsideGroupsAlertSettings,
  now: Date,
): Promise<number> {
  const checks = alertChecksFor(decisions, outsideGroups, now);
  if (checks.length === 0) return 0;
  const counted = await countAlertWindows(tx, checks);
  const due: NewAlert[] = [];
  checks.forEach((check, index) => {
    const counts = counted[index];
    if (!counts || counts.alerted) return;
    const { candidate } = check;
    const base = {
      storeId: candidate.code.storeId,
      codeId: candidate.code.id,
      campaignId: candidate.campaign.id,
      code: candidate.code.code,
      codeKey: candidate.code.codeKey,
      kind: check.kind,
      windowStart: check.windowStart,
      windowEnd: check.windowEnd,
    };
    const velocity = candidate.campaign.velocityAlert;
    if (check.kind === "velocity" && velocity && exceedsVelocity(counts.granted, velocity)) {
      due.push({
        ...base,
        observed: counts.granted,
        threshold: velocity.limit,
        details: {
          windowSeconds: velocity.windowSeconds,
          granted: counts.granted,
          attempts: counts.attempts,
        },
      });
    }
    if (check.kind === "outside_member_groups" && mostlyOutsideGroups(counts, outsideGroups)) {
      due.push({
        ...base,
        observed: outsideGroupsPercent(counts),
        threshold: outsideGroups.outsidePercent,
        details: {
          windowSeconds: outsideGroups.windowSeconds,
          accounts: counts.accounts,
          outsideAccounts: counts.outsideAccounts,
          minAccounts: outsideGroups.minAccounts,
          attempts: counts.attempts,
          outsideAttempts: counts.outside,
          memberGroups: [...candidate.campaign.memberGroups],
        },
      });
    }
  });
  return (await raiseAlerts(tx, due, now)).length;
}
