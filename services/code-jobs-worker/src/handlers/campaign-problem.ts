import type { CampaignWindow, JobProblem } from "@promo/db";
import { jobProblem } from "@promo/domain";

/**
 * Why a job may not add codes to its campaign any more: the campaign was archived (archiving is
 * final, so its codes could never be used) or deleted after the job was queued.
 */
export function campaignProblem(campaignId: string, campaign: CampaignWindow | null): JobProblem {
  return {
    row: null,
    value: campaignId,
    ...jobProblem(campaign ? "campaign_archived" : "campaign_missing"),
  };
}
