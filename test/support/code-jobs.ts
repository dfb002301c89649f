import { eventually } from "@promo/testing";
import ExcelJS from "exceljs";
import { api } from "./system.ts";

export type JobView = {
  id: string;
  kind: string;
  state: "queued" | "running" | "succeeded" | "failed";
  progress: number;
  result: Record<string, unknown> | null;
  errors: { row: number | null; value: string; reason: string; message: string }[];
  errorReportUrl: string | null;
};

/** A campaign live for the next hour, with no codes. */
export async function createEmptyCampaign(
  gatewayUrl: string,
  merchantKey: string,
  name: string,
): Promise<string> {
  const now = Date.now();
  const created = await api<{ id: string }>(gatewayUrl, merchantKey, "POST", "/v1/campaigns", {
    name,
    discount: { type: "fixed", amount: 100 },
    currency: "TWD",
    startsAt: new Date(now - 3_600_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    productIds: ["P-1"],
    usageLimit: null,
    oncePerAccount: false,
  });
  if (created.status !== 201) throw new Error(`campaign not created: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/** An .xlsx workbook: one array of rows per sheet. */
export async function xlsxOf(...sheets: unknown[][][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  sheets.forEach((rows, index) => {
    const sheet = workbook.addWorksheet(`Sheet${index + 1}`);
    for (const row of rows) sheet.addRow(row);
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

export async function uploadCodes(
  gatewayUrl: string,
  key: string,
  campaignId: string,
  fileName: string,
  bytes: Uint8Array,
): Promise<{ status: number; body: JobView & { error?: { code: string; details?: unknown } } }> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), fileName);
  const response = await fetch(`${gatewayUrl}/v1/campaigns/${campaignId}/codes/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as JobView & { error?: { code: string } } };
}

/** Polls the job until it finished; returns it and every progress value seen. */
export async function waitForJob(
  gatewayUrl: string,
  key: string,
  jobId: string,
  timeoutMs = 60_000,
): Promise<{ job: JobView; progressSeen: number[] }> {
  const progressSeen: number[] = [];
  let last: JobView | null = null;
  await eventually(
    async () => {
      const response = await api<JobView>(gatewayUrl, key, "GET", `/v1/jobs/${jobId}`);
      if (response.status !== 200) throw new Error(`GET job: ${response.status}`);
      last = response.body;
      if (progressSeen.at(-1) !== last.progress) progressSeen.push(last.progress);
      return last.state === "succeeded" || last.state === "failed";
    },
    `job ${jobId} to finish`,
    timeoutMs,
    100,
  );
  if (!last) throw new Error("no job seen");
  return { job: last, progressSeen };
}
