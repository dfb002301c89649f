import type { CampaignWindow, JobProblem } from "@promo/db";

/**
 * Why a job may not add codes to its campaign any more: the campaign was archived (archiving is
 * final, so its codes could never be used) or deleted after the job was queued.
 */
export function campaignProblem(campaignId: string, campaign: CampaignWindow | null): JobProblem {
  if (!campaign) {
    return {
      row: null,
      value: campaignId,
      reason: "campaign_missing",
      message: "the campaign no longer exists",
    };
  }
  return {
    row: null,
    value: campaignId,
    reason: "campaign_archived",
    message: "the campaign was archived: it takes no new codes",
  };
}
