import type { Campaign, Code, JobOut, ReservationSummary } from "@promo/contracts";
import type { CampaignRecord, CodeRecord, JobRecord, ReservationRow } from "@promo/db";
import { basisPointsToPercent, describeJobProblem, type Locale } from "@promo/domain";

export function presentCampaign(campaign: CampaignRecord): Campaign {
  return {
    id: campaign.id,
    name: campaign.name,
    discount:
      campaign.discount.type === "percentage"
        ? { type: "percentage", percent: basisPointsToPercent(campaign.discount.basisPoints) }
        : { type: "fixed", amount: campaign.discount.amount },
    currency: campaign.currency,
    startsAt: campaign.startsAt.toISOString(),
    endsAt: campaign.endsAt.toISOString(),
    memberGroups: [...campaign.memberGroups],
    productIds: [...campaign.productIds],
    usageLimit: campaign.usageLimit,
    oncePerAccount: campaign.oncePerAccount,
    priority: campaign.priority,
    combinesWith: campaign.combinesWith === "*" ? "*" : [...campaign.combinesWith],
    partnerId: campaign.partnerId,
    velocityAlert: campaign.velocityAlert ? { ...campaign.velocityAlert } : null,
    state: campaign.state,
    createdAt: campaign.createdAt.toISOString(),
    updatedAt: campaign.updatedAt.toISOString(),
    archivedAt: campaign.archivedAt?.toISOString() ?? null,
  };
}

export function presentCode(code: CodeRecord): Code {
  return {
    id: code.id,
    campaignId: code.campaignId,
    code: code.code,
    state: code.state,
    source: code.source,
    partnerId: code.partnerId,
    createdAt: code.createdAt.toISOString(),
    expiredAt: code.expiredAt?.toISOString() ?? null,
  };
}

export function presentReservationSummary(row: ReservationRow): ReservationSummary {
  return {
    id: row.id,
    sequence: Number(row.sequence),
    accountId: row.accountId,
    status: row.status,
    errorCode: row.errorCode,
    orderNumber: row.orderNumber,
    orderTotal: row.orderTotal === null ? null : Number(row.orderTotal),
    discount: Number(row.discount),
    partnerId: row.partnerId,
    acceptedAt: row.acceptedAt.toISOString(),
    decidedAt: row.decidedAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    releasedAt: row.releasedAt?.toISOString() ?? null,
    expiredAt: row.expiredAt?.toISOString() ?? null,
    confirmedAt: row.confirmedAt?.toISOString() ?? null,
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
  };
}

/**
 * A job as GET /v1/jobs/:id answers it: each problem's message in `locale`, made from its reason and
 * parameters (a problem stored without them keeps its stored English message).
 */
export function presentJob(job: JobRecord, locale: Locale): JobOut {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: job.progress,
    campaignId: job.campaignId,
    params: job.params,
    result: job.result,
    errors: (job.errors ?? []).map((problem) => ({
      row: problem.row,
      value: problem.value,
      reason: problem.reason,
      message: describeJobProblem(problem, locale),
    })),
    errorReportUrl: job.hasErrorReport ? `/v1/jobs/${job.id}/error-report` : null,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
