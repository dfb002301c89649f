import { describe, expect, it } from "vitest";
import { CODE_FORMAT_MESSAGES, CODE_FORMAT_PROBLEMS } from "./code-rules.ts";
import {
  CORRUPT_DETAIL_KINDS,
  type CorruptDetail,
  type CorruptDetailKind,
  describeJobProblem,
  JOB_PROBLEM_REASONS,
  type JobProblemParams,
  type JobProblemReason,
  jobProblem,
} from "./job-problems.ts";

const HAN = /\p{Script=Han}/u;

/** Parameters of every reason, each shape a reason takes (the type makes a new reason need one). */
const SAMPLES: { [R in JobProblemReason]: JobProblemParams<R>[] } = {
  too_short: [{}],
  too_long: [{}],
  line_break: [{}],
  whitespace: [{}],
  cjk: [{}],
  full_width: [{}],
  symbol: [{}],
  duplicate: [{ firstRow: 2 }],
  number_lost_zeros: [{}],
  not_an_integer: [{}],
  formula_without_value: [{}],
  unsupported_value: [
    { cell: "long_number" },
    { cell: "date" },
    { cell: "boolean" },
    { cell: "error_value" },
    { cell: "other" },
  ],
  unclosed_quote: [{}],
  code_conflict: [
    { sameCampaign: true },
    { sameCampaign: false, campaignId: "c0ffee00-0000-4000-8000-000000000001", campaignName: "Double 11" },
  ],
  too_many_codes: [
    { counted: "codes", maxCodes: 10_000 },
    { counted: "rows", maxRows: 101_000, maxCodes: 10_000 },
  ],
  no_codes: [{}],
  corrupt_file: [{ detail: { kind: "row_twice", row: 2 } }],
  file_too_large: [{ limitBytes: 100 * 1024 * 1024 }],
  file_missing: [{}],
  campaign_missing: [{}],
  campaign_archived: [{}],
  code_space_exhausted: [{}],
  job_gave_up: [
    { attempts: 5, kind: "import_codes" },
    { attempts: 5, kind: "generate_codes" },
    { attempts: 1 },
  ],
  queue_unavailable: [{}],
};

const DETAILS: { [K in CorruptDetailKind]: Extract<CorruptDetail, { kind: K }> } = {
  no_workbook: { kind: "no_workbook" },
  no_workbook_parts: { kind: "no_workbook_parts" },
  no_worksheet: { kind: "no_worksheet" },
  sheet_without_part: { kind: "sheet_without_part", sheet: "代碼" },
  row_without_number: { kind: "row_without_number", row: "x2" },
  row_past_last: { kind: "row_past_last", row: 1_048_577, lastRow: 1_048_576 },
  row_twice: { kind: "row_twice", row: 2 },
  cell_without_reference: { kind: "cell_without_reference", cell: "2A", row: 2 },
  cell_in_other_row: { kind: "cell_in_other_row", cell: "A3", row: 2 },
  cell_twice: { kind: "cell_twice", cell: "A2" },
  missing_shared_string: { kind: "missing_shared_string", cell: "A2" },
  part_malformed: { kind: "part_malformed", part: "xl/worksheets/sheet1.xml" },
  part_damaged: { kind: "part_damaged", part: "xl/workbook.xml" },
  part_cut_short: { kind: "part_cut_short", part: "xl/workbook.xml" },
  part_compression: { kind: "part_compression", part: "xl/workbook.xml" },
  zip_directory_missing: { kind: "zip_directory_missing" },
  zip_directory_damaged: { kind: "zip_directory_damaged" },
  zip_structure_damaged: { kind: "zip_structure_damaged" },
  zip64: { kind: "zip64" },
  encrypted: { kind: "encrypted" },
  content_damaged: { kind: "content_damaged" },
};

/** Every reason with every sample of its parameters. */
const everyProblem = () =>
  JOB_PROBLEM_REASONS.flatMap((reason) =>
    (SAMPLES[reason] as Record<string, unknown>[]).map((params) => ({ reason, params })),
  );

describe("job problems", () => {
  it("words every reason, with each shape of its parameters, in English and in zh-TW", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...JOB_PROBLEM_REASONS].sort());
    const texts = new Set<string>();
    for (const { reason, params } of everyProblem()) {
      const stored = { reason, params, message: "(stored)" };
      const en = describeJobProblem(stored, "en");
      const zhTW = describeJobProblem(stored, "zh-TW");
      expect({ reason, params, en }).not.toEqual({ reason, params, en: "(stored)" });
      expect({ reason, params, zhTW }).toEqual({ reason, params, zhTW: expect.stringMatching(HAN) });
      expect({ reason, params, en }).toEqual({ reason, params, en: expect.not.stringMatching(HAN) });
      texts.add(en).add(zhTW);
    }
    // No two reasons or shapes share a text: each says what it is about.
    expect(texts.size).toBe(everyProblem().length * 2);
  });

  it("stores the English message with the reason and parameters it is made from", () => {
    expect(jobProblem("duplicate", { firstRow: 2 })).toEqual({
      reason: "duplicate",
      params: { firstRow: 2 },
      message: "duplicate of row 2 (codes are case-insensitive)",
    });
    expect(jobProblem("cjk")).toEqual({
      reason: "cjk",
      params: {},
      message: `code ${CODE_FORMAT_MESSAGES.cjk.en}`,
    });
    expect(describeJobProblem(jobProblem("duplicate", { firstRow: 2 }), "zh-TW")).toBe(
      "與第 2 列的代碼重複(代碼不分大小寫)",
    );
  });

  it("names the campaign a code clashes with as what it is: not archived, dates overlapping, its code in any state", () => {
    const clash = jobProblem("code_conflict", {
      sameCampaign: false,
      campaignId: "c0ffee00-0000-4000-8000-000000000001",
      campaignName: "Summer",
    });
    // Not "the live code": the other campaign may not have started, and its code may be expired.
    expect(clash.message).toBe(
      `campaign "Summer" (c0ffee00-0000-4000-8000-000000000001) already has this code, is not archived and its dates overlap this campaign's (codes are case-insensitive)`,
    );
    expect(describeJobProblem(clash, "zh-TW")).toBe(
      "活動「Summer」(c0ffee00-0000-4000-8000-000000000001)已有這個代碼,該活動未封存且期間與此活動重疊(代碼不分大小寫)",
    );
  });

  it("words the code rules as the code rules do, prefixed with 'code' in English", () => {
    for (const problem of CODE_FORMAT_PROBLEMS) {
      expect(describeJobProblem(jobProblem(problem), "en")).toBe(`code ${CODE_FORMAT_MESSAGES[problem].en}`);
      expect(describeJobProblem(jobProblem(problem), "zh-TW")).toBe(CODE_FORMAT_MESSAGES[problem]["zh-TW"]);
    }
  });

  it("words what is damaged in a workbook that cannot be read, each kind in both languages", () => {
    expect(Object.keys(DETAILS).sort()).toEqual([...CORRUPT_DETAIL_KINDS].sort());
    const texts = new Set<string>();
    for (const detail of Object.values(DETAILS)) {
      const problem = jobProblem("corrupt_file", { detail });
      expect(problem.message).toMatch(
        /^the \.xlsx file cannot be read: .+; open it in Excel and save it again as an Excel Workbook \(\.xlsx\)$/,
      );
      const zhTW = describeJobProblem(problem, "zh-TW");
      expect(zhTW).toMatch(/^無法讀取此 \.xlsx 檔案:.+;請用 Excel 開啟/);
      expect(zhTW).not.toMatch(/\b(its|it is|the)\b/);
      texts.add(problem.message).add(zhTW);
    }
    expect(texts.size).toBe(CORRUPT_DETAIL_KINDS.length * 2);
    expect(jobProblem("corrupt_file", { detail: DETAILS.row_past_last }).message).toContain(
      "its row 1048577 is past the last row of a sheet (1,048,576)",
    );
  });

  it("keeps the stored message of a problem it cannot word: stored before it had parameters, or unknown", () => {
    const storedBefore = {
      row: 3,
      value: "dupcode1",
      reason: "duplicate",
      message: "duplicate of row 1 (codes are case-insensitive)",
    };
    expect(describeJobProblem(storedBefore, "zh-TW")).toBe(storedBefore.message);
    const unknown = { reason: "some_future_reason", params: {}, message: "something new" };
    expect(describeJobProblem(unknown, "zh-TW")).toBe("something new");
    // Parameters of another shape are not worded (no "row undefined").
    for (const params of [{ firstRow: "2" }, { firstRow: 0 }, null, "2"]) {
      expect(describeJobProblem({ reason: "duplicate", params, message: "stored" }, "zh-TW")).toBe("stored");
    }
    for (const detail of [{ kind: "row_twice" }, { kind: "no_such_kind" }, "row_twice"]) {
      expect(
        describeJobProblem({ reason: "corrupt_file", params: { detail }, message: "stored" }, "en"),
      ).toBe("stored");
    }
    // A reason that never had parameters is worded in any language, stored before or not.
    expect(
      describeJobProblem(
        { reason: "campaign_archived", message: "the campaign was archived: it takes no new codes" },
        "zh-TW",
      ),
    ).toBe("此活動已封存,無法再新增代碼");
    // Not a prototype's property either.
    expect(describeJobProblem({ reason: "constructor", message: "stored" }, "en")).toBe("stored");
  });

  it("refuses to make a problem of parameters it cannot word", () => {
    expect(() => jobProblem("duplicate", { firstRow: 0 })).toThrow(/duplicate/);
  });
});
