import { readFileSync, writeFileSync } from "node:fs";
import { createTestContext, eventually, type ServiceProcess, type TestContext } from "@promo/testing";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyCampaign, type JobView, uploadCodes, waitForJob, xlsxOf } from "../support/code-jobs.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

const IMPORT_MAX_BYTES = 1_000_000;

let ctx: TestContext;
let system: System;
let gatewayUrl: string;
let merchantKey: string;
let jobsWorker: ServiceProcess;

beforeAll(async () => {
  ctx = await createTestContext("codeimport");
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 1,
    env: { IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES) },
  });
  gatewayUrl = system.gateways[0]?.url ?? "";
  merchantKey = system.store.keys.merchant;
  jobsWorker = system.startProcess("code-jobs-worker", "code-jobs-1", { CODE_JOB_LOCK_MS: "2000" });
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

function validCodes(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, index) => `${tag}${String(index).padStart(6, "0")}`);
}

async function codeCount(campaignId: string): Promise<number> {
  const { rows } = await ctx.db.database.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM code WHERE campaign_id = $1",
    [campaignId],
  );
  return rows[0]?.n ?? 0;
}

async function importInto(fileName: string, bytes: Uint8Array, name = fileName) {
  const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, `Import ${name}`);
  const accepted = await uploadCodes(gatewayUrl, merchantKey, campaignId, fileName, bytes);
  return { campaignId, accepted };
}

/** Uploads the file into a new campaign and waits for the job to fail; nothing may be imported. */
async function expectRejected(fileName: string, bytes: Uint8Array): Promise<JobView> {
  const { campaignId, accepted } = await importInto(fileName, bytes);
  expect(accepted.status).toBe(202);
  const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
  expect(job.state).toBe("failed");
  expect(await codeCount(campaignId)).toBe(0);
  return job;
}

/** The files a job keeps (an upload goes once the job has finished). */
async function jobFilePurposes(jobId: string): Promise<string[]> {
  const { rows } = await ctx.db.database.pool.query<{ purpose: string }>(
    "SELECT purpose::text AS purpose FROM job_file WHERE job_id = $1 ORDER BY purpose",
    [jobId],
  );
  return rows.map((row) => row.purpose);
}

const rowsOf = (job: JobView) => job.errors.map(({ row, value, reason }) => ({ row, value, reason }));

/** Every line of a failed job's .xlsx error report, its header first: [row, value, reason, message]. */
async function errorReport(job: JobView, headers: Record<string, string> = {}): Promise<unknown[][]> {
  expect(job.errorReportUrl).toBe(`/v1/jobs/${job.id}/error-report`);
  const report = await fetch(`${gatewayUrl}${job.errorReportUrl}`, {
    headers: { authorization: `Bearer ${merchantKey}`, ...headers },
  });
  expect(report.status).toBe(200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(await report.arrayBuffer()) as unknown as ArrayBuffer);
  const lines: unknown[][] = [];
  workbook.worksheets[0]?.eachRow((line) => {
    if (Array.isArray(line.values)) lines.push(line.values.slice(1));
  });
  return lines;
}

/** The lines of a failed job's .xlsx error report after its header. */
async function errorReportLines(job: JobView): Promise<unknown[][]> {
  return (await errorReport(job)).slice(1);
}

describe("code import", () => {
  it("imports a valid 10,000-row .xlsx with a header row: every code, in one job", async () => {
    const codes = validCodes(10_000, "IMPA");
    const { campaignId, accepted } = await importInto(
      "codes.xlsx",
      await xlsxOf([["Code"], ...codes.map((c) => [c])]),
    );
    expect(accepted.status).toBe(202);
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.progress, job.result, job.errors]).toEqual([
      "succeeded",
      100,
      // The row read as a header is named: the merchant sees which first row was not imported.
      { imported: 10_000, header: { row: 1, value: "Code" } },
      [],
    ]);
    expect(await codeCount(campaignId)).toBe(10_000);
    // The uploaded file is not kept once the job has finished.
    expect(await jobFilePurposes(accepted.body.id)).toEqual([]);
  });

  it("reads real spreadsheets: no header, numbers, spaces around, empty rows, formulas, only the first sheet", async () => {
    const bytes = await xlsxOf(
      [["  SPACED01  "], [111111], [], [{ formula: '"FORM"&"ULA1"', result: "FORMULA1" }], ["mixedCase9"]],
      [["SECONDSHEET1"]],
    );
    const { campaignId, accepted } = await importInto("real.xlsx", bytes);
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.result]).toEqual(["succeeded", { imported: 4 }]);
    const { rows } = await ctx.db.database.pool.query<{ code: string }>(
      "SELECT code FROM code WHERE campaign_id = $1 ORDER BY code",
      [campaignId],
    );
    expect(rows.map((row) => row.code)).toEqual(["111111", "FORMULA1", "SPACED01", "mixedCase9"]);
  });

  it("imports a .csv with quotes, CRLF and leading zeros kept", async () => {
    const csv = '\ufeffcode\r\n"000123456"\r\nCSVCODE1\r\n\r\n"CSVCODE2"\r\n';
    const { campaignId, accepted } = await importInto("codes.csv", new TextEncoder().encode(csv));
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.result]).toEqual([
      "succeeded",
      { imported: 3, header: { row: 1, value: "code" } },
    ]);
    expect(await codeCount(campaignId)).toBe(3);
  });

  it("imports a .csv as Excel in Traditional Chinese saves it (Big5, header 優惠碼)", async () => {
    const big5 = new Uint8Array([
      ...[0xc0, 0x75, 0xb4, 0x66, 0xbd, 0x58, 0x0d, 0x0a],
      ...new TextEncoder().encode("BIGFIVE1\r\nBIGFIVE2\r\n"),
    ]);
    const { campaignId, accepted } = await importInto("優惠碼.csv", big5);
    expect(accepted.status).toBe(202);
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.result]).toEqual([
      "succeeded",
      { imported: 2, header: { row: 1, value: "優惠碼" } },
    ]);
    expect(await codeCount(campaignId)).toBe(2);
  });

  it("imports a semicolon delimited .csv as Excel saves it where the comma is the decimal mark", async () => {
    const csv = "\ufeffsep=;\r\nCode;Rabatt\r\nSEMICODE1;2,5\r\n001234567;10,0\r\n";
    const { campaignId, accepted } = await importInto("rabatte.csv", new TextEncoder().encode(csv));
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.result]).toEqual([
      "succeeded",
      { imported: 2, header: { row: 1, value: "Code" } },
    ]);
    const { rows } = await ctx.db.database.pool.query<{ code: string }>(
      "SELECT code FROM code WHERE campaign_id = $1 ORDER BY code",
      [campaignId],
    );
    expect(rows.map((row) => row.code)).toEqual(["001234567", "SEMICODE1"]);
  });

  it("rejects a file breaking one rule with the exact row numbers, imports nothing, and offers an .xlsx error report", async () => {
    const base = validCodes(3, "ROWS");
    const cases: Array<{ value: unknown; reason: string }> = [
      { value: "ABCDE", reason: "too_short" },
      { value: "AB CD1234", reason: "whitespace" },
      { value: "優惠碼ABC123", reason: "cjk" },
      { value: "ABC-123!", reason: "symbol" },
      { value: 1234, reason: "number_lost_zeros" },
    ];
    for (const { value, reason } of cases) {
      const job = await expectRejected(
        `${reason}.xlsx`,
        await xlsxOf([["code"], ...base.map((c) => [c]), [value]]),
      );
      expect(rowsOf(job)).toEqual([{ row: 5, value: String(value), reason }]);
    }

    const duplicate = await expectRejected(
      "duplicate.xlsx",
      await xlsxOf([["DUPCODE1"], ["OTHER001"], ["dupcode1"]]),
    );
    expect(rowsOf(duplicate)).toEqual([{ row: 3, value: "dupcode1", reason: "duplicate" }]);
    expect(duplicate.errors[0]?.message).toContain("row 1");
    // A failed import's error report is written from its errors; its uploaded file is gone.
    expect(await jobFilePurposes(duplicate.id)).toEqual([]);
    expect(await errorReportLines(duplicate)).toEqual([
      [3, "dupcode1", "duplicate", duplicate.errors[0]?.message],
    ]);
  });

  it("lists every bad row of one file at once: rows breaking a rule and rows clashing with stored codes", async () => {
    const tag = Date.now().toString(36).toUpperCase();
    const live = `RESCODE${tag}`;
    const { campaignId: owner } = await createLiveCampaign(gatewayUrl, merchantKey, {
      code: live,
      usageLimit: null,
      oncePerAccount: false,
    });
    const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Import every bad row");
    const own = `IMPORT${tag}`;
    const added = await api(gatewayUrl, merchantKey, "POST", `/v1/campaigns/${campaignId}/codes`, {
      code: own,
    });
    expect(added.status).toBe(201);

    const csv = `code\r\n${own}\r\n${live}\r\nNEWCODE${tag}\r\nab\r\n`;
    const accepted = await uploadCodes(
      gatewayUrl,
      merchantKey,
      campaignId,
      "mixed.csv",
      new TextEncoder().encode(csv),
    );
    expect(accepted.status).toBe(202);
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id);
    expect([job.state, job.result]).toEqual(["failed", { imported: 0, badRows: 3 }]);
    expect(rowsOf(job)).toEqual([
      { row: 2, value: own, reason: "code_conflict" },
      { row: 3, value: live, reason: "code_conflict" },
      { row: 5, value: "ab", reason: "too_short" },
    ]);
    expect(job.errors[0]?.message).toBe("this campaign already has this code (codes are case-insensitive)");
    expect(job.errors[1]?.message).toContain(owner);
    // Nothing imported: the campaign holds only the code it had.
    expect(await codeCount(campaignId)).toBe(1);
    expect(await errorReportLines(job)).toEqual(
      job.errors.map(({ row, value, reason, message }) => [row, value, reason, message]),
    );
  });

  it("words a failed import's messages and its error report in the language the merchant asks for", async () => {
    const csv = 'code\r\n"LINE\nBREAK1"\r\nSAMECODE1\r\nabc\r\nsamecode1\r\n';
    const job = await expectRejected("zh.csv", new TextEncoder().encode(csv));
    const zhTW = { "accept-language": "zh-TW,zh;q=0.9,en;q=0.8" };
    const read = await api<JobView>(gatewayUrl, merchantKey, "GET", `/v1/jobs/${job.id}`, undefined, zhTW);
    expect(read.body.errors).toEqual([
      { row: 2, value: "LINE\nBREAK1", reason: "line_break", message: "代碼不可包含換行(內容有多行文字)" },
      { row: 4, value: "abc", reason: "too_short", message: "優惠碼最少需6個字元" },
      { row: 5, value: "samecode1", reason: "duplicate", message: "與第 3 列的代碼重複(代碼不分大小寫)" },
    ]);
    expect(await errorReport(job, zhTW)).toEqual([
      ["列", "內容", "原因", "說明"],
      ...read.body.errors.map(({ row, value, reason, message }) => [row, value, reason, message]),
    ]);
    // English stays the default, in the job and its report alike.
    expect(job.errors.map((error) => error.message)).toEqual([
      "code must not contain line breaks (the value holds more than one line)",
      "code must be at least 6 characters",
      "duplicate of row 3 (codes are case-insensitive)",
    ]);
    expect(await errorReport(job)).toEqual([
      ["Row", "Value", "Reason", "Message"],
      ...job.errors.map(({ row, value, reason, message }) => [row, value, reason, message]),
    ]);
  });

  it("lists each bad row's value up to 100 characters, so 10,000 rows of one 30,000-character string stay small", async () => {
    // One shared string, 10,000 cells pointing at it: a 60 KB file whose values total 300 MB.
    const long = `H1${"Q".repeat(29_998)}`;
    const job = await expectRejected(
      "long.xlsx",
      await xlsxOf([["code"], ...Array.from({ length: 10_000 }, () => [long])]),
    );
    const shown = `H1${"Q".repeat(98)}… (29900 more characters)`;
    expect(job.errors).toHaveLength(10_000);
    expect(job.errors.every((error) => error.value === shown && error.reason === "too_long")).toBe(true);
    expect([job.errors[0]?.row, job.errors.at(-1)?.row]).toEqual([2, 10_001]);
    const response = await fetch(`${gatewayUrl}/v1/jobs/${job.id}`, {
      headers: { authorization: `Bearer ${merchantKey}` },
    });
    expect((await response.arrayBuffer()).byteLength).toBeLessThan(3_000_000);
    // The error report lists the same values; the uploaded file is gone.
    expect((await errorReportLines(job))[0]?.slice(0, 3)).toEqual([2, shown, "too_long"]);
    expect(await jobFilePurposes(job.id)).toEqual([]);
  });

  it("rejects a clash with a live code of an overlapping campaign, naming it", async () => {
    const live = `LIVECLASH${Date.now().toString(36).toUpperCase()}`;
    const { campaignId: owner } = await createLiveCampaign(gatewayUrl, merchantKey, {
      code: live,
      usageLimit: null,
      oncePerAccount: false,
    });
    const job = await expectRejected("clash.xlsx", await xlsxOf([["FINECODE1"], [live.toLowerCase()]]));
    expect(rowsOf(job)).toEqual([{ row: 2, value: live.toLowerCase(), reason: "code_conflict" }]);
    expect(job.errors[0]?.message).toContain(owner);
  });

  it("rejects 10,001 codes, a corrupt zip and a .txt renamed .xlsx, an empty file and an oversized one with a file-level error", async () => {
    const tooMany = await expectRejected(
      "many.xlsx",
      await xlsxOf(validCodes(10_001, "MANY").map((c) => [c])),
    );
    expect(tooMany.errors.map((error) => [error.row, error.reason])).toEqual([[null, "too_many_codes"]]);

    const real = await xlsxOf([["CORRUPT01"]]);
    const corrupt = await expectRejected("corrupt.xlsx", real.slice(0, Math.floor(real.length / 2)));
    expect(corrupt.errors.map((error) => [error.row, error.reason])).toEqual([[null, "corrupt_file"]]);

    const renamed = await importInto("notes.xlsx", new TextEncoder().encode("just some notes\n"));
    expect([renamed.accepted.status, renamed.accepted.body.error?.code]).toEqual([
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    ]);
    const empty = await importInto("empty.xlsx", new Uint8Array(0));
    expect([empty.accepted.status, empty.accepted.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
    const huge = await importInto("huge.csv", new Uint8Array(IMPORT_MAX_BYTES + 1_000).fill(65));
    expect([huge.accepted.status, huge.accepted.body.error?.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    for (const attempt of [renamed, empty, huge]) expect(await codeCount(attempt.campaignId)).toBe(0);
  });

  it("an archived campaign takes no new codes: refused at once, and jobs queued before the archive fail", async () => {
    const archived = await createEmptyCampaign(gatewayUrl, merchantKey, "Archived at once");
    expect((await api(gatewayUrl, merchantKey, "POST", `/v1/campaigns/${archived}/archive`)).status).toBe(
      200,
    );
    type Refusal = { error: { code: string; message: string; details: { campaignId: string } } };
    const single = await api<Refusal>(
      gatewayUrl,
      merchantKey,
      "POST",
      `/v1/campaigns/${archived}/codes`,
      { code: "ARCHIVED01" },
      { "accept-language": "zh-TW" },
    );
    expect([single.status, single.body.error.code, single.body.error.details]).toEqual([
      409,
      "CAMPAIGN_ARCHIVED",
      { campaignId: archived },
    ]);
    expect(single.body.error.message).toBe("此活動已封存,無法再新增優惠碼或修改設定。");
    const generated = await api<Refusal>(
      gatewayUrl,
      merchantKey,
      "POST",
      `/v1/campaigns/${archived}/codes/generate`,
      {
        count: 10,
      },
    );
    expect([generated.status, generated.body.error.code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    const uploaded = await uploadCodes(
      gatewayUrl,
      merchantKey,
      archived,
      "late.csv",
      new TextEncoder().encode("LATECODE01\n"),
    );
    expect([uploaded.status, uploaded.body.error?.code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    expect(await codeCount(archived)).toBe(0);

    // Jobs accepted while the campaign was live, run after it was archived (the worker was away).
    await jobsWorker.stop();
    const campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Archived while queued");
    const importJob = await uploadCodes(
      gatewayUrl,
      merchantKey,
      campaignId,
      "queued.csv",
      new TextEncoder().encode("QUEUED0001\nQUEUED0002\n"),
    );
    const generateJob = await api<JobView>(
      gatewayUrl,
      merchantKey,
      "POST",
      `/v1/campaigns/${campaignId}/codes/generate`,
      {
        count: 100,
      },
    );
    expect([importJob.status, generateJob.status]).toEqual([202, 202]);
    expect((await api(gatewayUrl, merchantKey, "POST", `/v1/campaigns/${campaignId}/archive`)).status).toBe(
      200,
    );
    jobsWorker = system.startProcess("code-jobs-worker", "code-jobs-after-archive", {
      CODE_JOB_LOCK_MS: "2000",
    });
    for (const id of [importJob.body.id, generateJob.body.id]) {
      const { job } = await waitForJob(gatewayUrl, merchantKey, id);
      expect([job.state, rowsOf(job)]).toEqual([
        "failed",
        [{ row: null, value: campaignId, reason: "campaign_archived" }],
      ]);
    }
    expect(await codeCount(campaignId)).toBe(0);
  });

  it("a worker killed with SIGKILL during an import: after restart the job ends succeeded, all codes once", async () => {
    const { campaignId, accepted } = await importInto(
      "crash.xlsx",
      await xlsxOf(validCodes(10_000, "CRASH").map((c) => [c])),
    );
    await eventually(
      async () =>
        (await api<JobView>(gatewayUrl, merchantKey, "GET", `/v1/jobs/${accepted.body.id}`)).body.state ===
        "running",
      "the import to start",
      30_000,
      5,
    );
    await jobsWorker.kill("SIGKILL");
    expect(await jobsWorker.exited).toBe("SIGKILL");
    const afterKill = (await api<JobView>(gatewayUrl, merchantKey, "GET", `/v1/jobs/${accepted.body.id}`))
      .body;
    expect(afterKill.state).toBe("running");
    expect([0, 10_000]).toContain(await codeCount(campaignId));

    jobsWorker = system.startProcess("code-jobs-worker", "code-jobs-2", { CODE_JOB_LOCK_MS: "2000" });
    const { job } = await waitForJob(gatewayUrl, merchantKey, accepted.body.id, 60_000);
    expect([job.state, job.result]).toEqual(["succeeded", { imported: 10_000 }]);
    expect(await codeCount(campaignId)).toBe(10_000);
  });
});

describe("code export", () => {
  let campaignId = "";

  it("streams 100,000 codes as .xlsx with state, uses and order numbers, readable by a spreadsheet reader", async () => {
    campaignId = await createEmptyCampaign(gatewayUrl, merchantKey, "Export");
    const generated = await api<JobView>(
      gatewayUrl,
      merchantKey,
      "POST",
      `/v1/campaigns/${campaignId}/codes/generate`,
      {
        count: 100_000,
        large: true,
      },
    );
    expect(generated.status).toBe(202);
    const { job } = await waitForJob(gatewayUrl, merchantKey, generated.body.id, 120_000);
    expect(job.state).toBe("succeeded");

    const { rows } = await ctx.db.database.pool.query<{ code: string }>(
      "SELECT code FROM code WHERE campaign_id = $1 ORDER BY code_key LIMIT 1",
      [campaignId],
    );
    const sold = rows[0]?.code ?? "";
    const held = await api<{ id: string }>(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      "/v1/reservations",
      {
        code: sold,
        accountId: "exporter",
        cart: FLASH_CART,
      },
    );
    expect(held.status).toBe(200);
    const confirmed = await api(
      gatewayUrl,
      system.store.keys.checkout,
      "POST",
      `/v1/reservations/${held.body.id}/confirm`,
      {
        orderNumber: "ORD-EXPORT-1",
      },
    );
    expect(confirmed.status).toBe(200);

    // The export's own peak: the gateway's high-water mark is reset to its resident size now
    // (Linux: "5" to clear_refs), so what ran before in this file does not count.
    const gatewayPid = system.gateways[0]?.process.child.pid;
    const memoryKb = (field: "VmRSS" | "VmHWM") =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${gatewayPid}/status`, "utf8"))?.[1]);
    writeFileSync(`/proc/${gatewayPid}/clear_refs`, "5");
    const beforeKb = memoryKb("VmRSS");
    expect(memoryKb("VmHWM")).toBeLessThanOrEqual(beforeKb + 1_024);
    const response = await fetch(`${gatewayUrl}/v1/campaigns/${campaignId}/codes/export`, {
      headers: { authorization: `Bearer ${merchantKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("spreadsheetml");
    expect(response.headers.get("content-length")).toBeNull();
    const bytes = Buffer.from(await response.arrayBuffer());

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet?.rowCount).toBe(100_001);
    expect(sheet?.getRow(1).values).toEqual([
      undefined,
      "Code",
      "State",
      "Uses",
      "Order numbers",
      "Campaign",
      "Created at",
    ]);
    expect(sheet?.getRow(2).values).toEqual([
      undefined,
      sold,
      "active",
      1,
      "ORD-EXPORT-1",
      "Export",
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    ]);
    const peakKb = memoryKb("VmHWM");
    console.log(
      `export of 100,000 codes: ${bytes.length} bytes; gateway resident ${Math.round(beforeKb / 1024)} MB before, peak ${Math.round(peakKb / 1024)} MB during`,
    );
    // Streamed: the export's own memory does not grow with its 100,000 rows (a workbook built in
    // memory takes well over 100 MB). The process's resident size before it (about 240-260 MB
    // after the rest of this file) is not the export's.
    expect((peakKb - beforeKb) / 1024).toBeLessThan(64);
  });

  it("stops when the client goes away mid-download, and counts it so", async () => {
    expect(campaignId).not.toBe("");
    const response = await fetch(`${gatewayUrl}/v1/campaigns/${campaignId}/codes/export`, {
      headers: { authorization: `Bearer ${merchantKey}` },
    });
    expect(response.status).toBe(200);
    // Built by the route itself, the streamed answer still names its request.
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const reader = response.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    await reader?.cancel();

    const downloads = await eventually(async () => {
      const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
      const lines = metrics.split("\n").filter((line) => line.includes('kind="code_export"'));
      return lines.some((line) => line.includes('end="client_gone"')) ? lines : null;
    }, "the export counted as ended by the client");
    expect(downloads.map((line) => line.replace(/,?service="gateway"/, "")).sort()).toEqual([
      'promo_downloads_in_progress{kind="code_export"} 0',
      'promo_downloads_total{kind="code_export",end="client_gone"} 1',
      'promo_downloads_total{kind="code_export",end="finished"} 1',
    ]);
    // Not a failure: nothing at warn (services log at warn in tests).
    expect(system.gateways[0]?.process.output()).not.toContain("failed mid-stream");

    // A HEAD (a download manager's or a link checker's first look): the headers, and no download
    // begun. Each one used to leave a writer parked and the gauge one higher, for good.
    for (let index = 0; index < 3; index += 1) {
      const head = await fetch(`${gatewayUrl}/v1/campaigns/${campaignId}/codes/export`, {
        method: "HEAD",
        headers: { authorization: `Bearer ${merchantKey}` },
      });
      expect([head.status, head.headers.get("content-disposition")]).toEqual([
        200,
        `attachment; filename="codes-${campaignId}.xlsx"`,
      ]);
    }
    const afterHeads = (await (await fetch(`${gatewayUrl}/metrics`)).text())
      .split("\n")
      .filter((line) => line.includes('kind="code_export"'))
      .map((line) => line.replace(/,?service="gateway"/, ""))
      .sort();
    expect(afterHeads).toEqual(downloads.map((line) => line.replace(/,?service="gateway"/, "")).sort());
  });
});
