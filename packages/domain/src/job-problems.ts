// Why a code job (an import or a generation) refused a row, a file or itself: one catalog of every
// reason with its parameters and its text in each locale. A job stores `reason` and `params` (with
// the English text, for readers that know no better); its messages are rendered from them when they
// are read, in the reader's language. A stored problem this catalog cannot render (a reason it does
// not know, parameters of another shape, as rows stored before the catalog have) keeps its stored
// message.
import { z } from "zod";
import { CODE_FORMAT_MESSAGES, CODE_FORMAT_PROBLEMS, type CodeFormatProblem } from "./code-rules.ts";
import type { Locale } from "./errors.ts";

type Texts<P> = Readonly<Record<Locale, (params: P) => string>>;

function define<S extends z.ZodType>(params: S, text: Texts<z.output<S>>) {
  return {
    params,
    text,
    /** The text in `locale`, or null when `raw` is not this reason's parameters. */
    render(raw: unknown, locale: Locale): string | null {
      const parsed = params.safeParse(raw);
      return parsed.success ? text[locale](parsed.data) : null;
    },
  };
}

const NO_PARAMS = z.object({});
const fixed = (en: string, zhTW: string) => define(NO_PARAMS, { en: () => en, "zh-TW": () => zhTW });

const Count = z.number().int().nonnegative();
const RowNumber = z.number().int().positive();
/** Counts as a message shows them (10,000): the same in both locales. */
const count = (value: number) => value.toLocaleString("en");

const codeFormat = (problem: CodeFormatProblem) =>
  fixed(`code ${CODE_FORMAT_MESSAGES[problem].en}`, CODE_FORMAT_MESSAGES[problem]["zh-TW"]);

const CODE_FORMAT_TEXTS = Object.fromEntries(
  CODE_FORMAT_PROBLEMS.map((problem) => [problem, codeFormat(problem)]),
) as Record<CodeFormatProblem, ReturnType<typeof codeFormat>>;

/** What is damaged in a workbook that cannot be read (corrupt_file), by kind. */
const CORRUPT_DETAILS = {
  no_workbook: fixed("it holds no workbook", "檔案中沒有活頁簿"),
  no_workbook_parts: fixed("the workbook's list of parts is missing", "活頁簿缺少其組件清單"),
  no_worksheet: fixed("it holds no worksheet", "檔案中沒有工作表"),
  sheet_without_part: define(z.object({ sheet: z.string() }), {
    en: ({ sheet }) => `its sheet "${sheet}" has no part`,
    "zh-TW": ({ sheet }) => `工作表「${sheet}」的內容不存在`,
  }),
  row_without_number: define(z.object({ row: z.string() }), {
    en: ({ row }) => `its row "${row}" has no valid number`,
    "zh-TW": ({ row }) => `列「${row}」沒有有效的列號`,
  }),
  row_past_last: define(z.object({ row: RowNumber, lastRow: RowNumber }), {
    en: ({ row, lastRow }) => `its row ${row} is past the last row of a sheet (${count(lastRow)})`,
    "zh-TW": ({ row, lastRow }) => `第 ${row} 列超出工作表的最後一列(${count(lastRow)})`,
  }),
  row_twice: define(z.object({ row: RowNumber }), {
    en: ({ row }) => `its row ${row} comes twice`,
    "zh-TW": ({ row }) => `第 ${row} 列出現兩次`,
  }),
  cell_without_reference: define(z.object({ cell: z.string(), row: Count }), {
    en: ({ cell, row }) => `its cell "${cell}" in row ${row} has no valid reference`,
    "zh-TW": ({ cell, row }) => `第 ${row} 列的儲存格「${cell}」沒有有效的位置`,
  }),
  cell_in_other_row: define(z.object({ cell: z.string(), row: Count }), {
    en: ({ cell, row }) => `its cell ${cell} is in row ${row}`,
    "zh-TW": ({ cell, row }) => `儲存格 ${cell} 放在第 ${row} 列中`,
  }),
  cell_twice: define(z.object({ cell: z.string() }), {
    en: ({ cell }) => `its cell ${cell} comes twice`,
    "zh-TW": ({ cell }) => `儲存格 ${cell} 出現兩次`,
  }),
  missing_shared_string: define(z.object({ cell: z.string() }), {
    en: ({ cell }) => `its cell ${cell} refers to a shared string the file does not hold`,
    "zh-TW": ({ cell }) => `儲存格 ${cell} 指向檔案中不存在的共用字串`,
  }),
  part_malformed: define(z.object({ part: z.string() }), {
    en: ({ part }) => `its part ${part} is damaged (its XML is cut short or malformed)`,
    "zh-TW": ({ part }) => `檔案的組件 ${part} 已損毀(XML 不完整或格式錯誤)`,
  }),
  part_damaged: define(z.object({ part: z.string() }), {
    en: ({ part }) => `its part ${part} is damaged`,
    "zh-TW": ({ part }) => `檔案的組件 ${part} 已損毀`,
  }),
  part_cut_short: define(z.object({ part: z.string() }), {
    en: ({ part }) => `its part ${part} is cut short`,
    "zh-TW": ({ part }) => `檔案的組件 ${part} 不完整`,
  }),
  part_compression: define(z.object({ part: z.string() }), {
    en: ({ part }) => `its part ${part} uses an unsupported compression method`,
    "zh-TW": ({ part }) => `檔案的組件 ${part} 使用不支援的壓縮方式`,
  }),
  zip_directory_missing: fixed(
    "its zip directory is missing (the file is cut short or not a zip)",
    "找不到壓縮檔目錄(檔案不完整,或不是 zip 格式)",
  ),
  zip_directory_damaged: fixed("its zip directory is damaged", "壓縮檔目錄已損毀"),
  zip_structure_damaged: fixed("its zip structure is damaged", "壓縮檔結構已損毀"),
  zip64: fixed("it is a ZIP64 archive, which is not supported", "檔案是不支援的 ZIP64 壓縮格式"),
  encrypted: fixed("it is encrypted (password-protected)", "檔案已加密(設有密碼)"),
  content_damaged: fixed("its content is damaged", "檔案內容已損毀"),
};

export type CorruptDetailKind = keyof typeof CORRUPT_DETAILS;
export const CORRUPT_DETAIL_KINDS = Object.keys(CORRUPT_DETAILS) as CorruptDetailKind[];

/** A kind's parameters, nothing for a kind without any. */
type DetailParams<P> = P extends Record<string, never> ? object : P;

/** What is damaged, with what names the place (`{ kind: "row_twice", row: 2 }`). */
export type CorruptDetail = {
  [K in CorruptDetailKind]: { kind: K } & DetailParams<z.output<(typeof CORRUPT_DETAILS)[K]["params"]>>;
}[CorruptDetailKind];

function isCorruptDetailKind(kind: unknown): kind is CorruptDetailKind {
  return typeof kind === "string" && Object.hasOwn(CORRUPT_DETAILS, kind);
}

/** A detail of a known kind with that kind's parameters. */
const CorruptDetailSchema = z.custom<CorruptDetail>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    "kind" in value &&
    isCorruptDetailKind(value.kind) &&
    CORRUPT_DETAILS[value.kind].params.safeParse(value).success,
);

function describeCorruptDetail(detail: CorruptDetail, locale: Locale): string {
  // The schema above checked the detail's parameters, so it renders.
  return CORRUPT_DETAILS[detail.kind].render(detail, locale) ?? detail.kind;
}

const UnsupportedCell = z.enum(["long_number", "date", "boolean", "error_value", "other"]);
const UNSUPPORTED_CELL_TEXTS: Record<z.output<typeof UnsupportedCell>, Record<Locale, string>> = {
  long_number: {
    en: "the cell is stored as a number longer than the 15 digits Excel keeps, so digits may be lost; format the column as Text and type the codes again",
    "zh-TW":
      "此儲存格是以數字儲存且超過 15 位數,Excel 只保留 15 位數,可能已遺失數字;請將此欄的儲存格格式設為「文字」後重新輸入代碼",
  },
  date: {
    en: "the cell holds a date, not a code; format the column as Text and type the codes again",
    "zh-TW": "此儲存格是日期,不是代碼;請將此欄的儲存格格式設為「文字」後重新輸入代碼",
  },
  boolean: { en: "the cell holds TRUE or FALSE, not a code", "zh-TW": "此儲存格是 TRUE 或 FALSE,不是代碼" },
  error_value: {
    en: "the cell holds an error value (such as #N/A), not a code",
    "zh-TW": "此儲存格是錯誤值(例如 #N/A),不是代碼",
  },
  other: {
    en: "the cell holds something other than text or a number",
    "zh-TW": "此儲存格的內容既不是文字也不是數字",
  },
};

const JobKindParam = z.enum(["import_codes", "generate_codes"]);

const JOB_PROBLEMS = {
  ...CODE_FORMAT_TEXTS,
  duplicate: define(z.object({ firstRow: RowNumber }), {
    en: ({ firstRow }) => `duplicate of row ${firstRow} (codes are case-insensitive)`,
    "zh-TW": ({ firstRow }) => `與第 ${firstRow} 列的代碼重複(代碼不分大小寫)`,
  }),
  number_lost_zeros: fixed(
    "the cell is stored as a number, so Excel dropped any leading zeros (e.g. 001234 became 1234); format the column as Text and type the codes again",
    "此儲存格是以數字儲存,Excel 已去掉開頭的 0(例如 001234 變成 1234);請將此欄的儲存格格式設為「文字」後重新輸入代碼",
  ),
  not_an_integer: fixed(
    "the cell is a number that is not a whole number of 0 or more, so it cannot be a code",
    "此儲存格的數字不是 0 以上的整數,不可能是代碼",
  ),
  formula_without_value: fixed(
    "the cell is a formula with no saved result (or with an error such as #N/A): open the file in Excel and save it, or paste the codes as values",
    "此儲存格是沒有儲存結果的公式(或結果是 #N/A 等錯誤):請用 Excel 開啟檔案並儲存,或將代碼以「值」貼上",
  ),
  unsupported_value: define(z.object({ cell: UnsupportedCell }), {
    en: ({ cell }) => UNSUPPORTED_CELL_TEXTS[cell].en,
    "zh-TW": ({ cell }) => UNSUPPORTED_CELL_TEXTS[cell]["zh-TW"],
  }),
  unclosed_quote: fixed(
    'a quote (") in this row opens a value that is never closed, so every row after it reads as part of that value: close the quote, or remove it',
    '此列有一個引號(")開始的內容沒有結束的引號,所以之後的每一列都被當成這個內容的一部分:請補上結束的引號,或刪除該引號',
  ),
  code_conflict: define(
    z.union([
      z.object({ sameCampaign: z.literal(true) }),
      z.object({ sameCampaign: z.literal(false), campaignId: z.string(), campaignName: z.string() }),
    ]),
    {
      en: (clash) =>
        clash.sameCampaign
          ? "this campaign already has this code (codes are case-insensitive)"
          : `campaign "${clash.campaignName}" (${clash.campaignId}) already has this code, is not archived and its dates overlap this campaign's (codes are case-insensitive)`,
      "zh-TW": (clash) =>
        clash.sameCampaign
          ? "此活動已有這個代碼(代碼不分大小寫)"
          : `活動「${clash.campaignName}」(${clash.campaignId})已有這個代碼,該活動未封存且期間與此活動重疊(代碼不分大小寫)`,
    },
  ),
  too_many_codes: define(
    z.union([
      z.object({ counted: z.literal("codes"), maxCodes: Count }),
      z.object({ counted: z.literal("rows"), maxRows: Count, maxCodes: Count }),
    ]),
    {
      en: (limit) =>
        limit.counted === "codes"
          ? `the file holds at least ${count(limit.maxCodes + 1)} codes; at most ${count(limit.maxCodes)} per file`
          : `the file holds more than ${count(limit.maxRows)} rows, counting blank ones and, in a sheet, formatted ones (at most ${count(limit.maxRows)} rows are read, and a file may hold at most ${count(limit.maxCodes)} codes): delete the rows below the codes, or copy the codes into a new file`,
      "zh-TW": (limit) =>
        limit.counted === "codes"
          ? `檔案中至少有 ${count(limit.maxCodes + 1)} 個代碼,每個檔案最多 ${count(limit.maxCodes)} 個`
          : `檔案超過 ${count(limit.maxRows)} 列(空白列,以及工作表中只有格式的列,也算在內;最多讀取 ${count(limit.maxRows)} 列,每個檔案最多 ${count(limit.maxCodes)} 個代碼):請刪除代碼下方的列,或將代碼複製到新的檔案`,
    },
  ),
  no_codes: fixed(
    "the file holds no codes: put one code per row in the first column of the first sheet (a header row is optional)",
    "檔案中沒有代碼:請在第一個工作表的第一欄每列放一個代碼(第一列可放標題)",
  ),
  corrupt_file: define(z.object({ detail: CorruptDetailSchema }), {
    en: ({ detail }) =>
      `the .xlsx file cannot be read: ${describeCorruptDetail(detail, "en")}; open it in Excel and save it again as an Excel Workbook (.xlsx)`,
    "zh-TW": ({ detail }) =>
      `無法讀取此 .xlsx 檔案:${describeCorruptDetail(detail, "zh-TW")};請用 Excel 開啟,另存為「Excel 活頁簿 (.xlsx)」後再上傳`,
  }),
  file_too_large: define(z.object({ limitBytes: Count }), {
    en: ({ limitBytes }) =>
      `the workbook is too large to import: its first sheet, with the text and formatting it uses, takes more than ${describeBytes(limitBytes)} once unpacked (an .xlsx file is compressed, and ${describeBytes(limitBytes)} unpacked is the limit); a file of codes needs far less: keep only the codes, e.g. copy the first column into a new workbook`,
    "zh-TW": ({ limitBytes }) =>
      `活頁簿太大,無法匯入:第一個工作表連同其使用的文字與格式,解壓縮後超過 ${describeBytes(limitBytes)}(.xlsx 是壓縮檔,上限是解壓縮後 ${describeBytes(limitBytes)});代碼檔案用不到這麼大:請只保留代碼,例如將第一欄複製到新的活頁簿`,
  }),
  file_missing: fixed("the uploaded file is gone", "上傳的檔案已不存在"),
  campaign_missing: fixed("the campaign no longer exists", "此活動已不存在"),
  campaign_archived: fixed("the campaign was archived: it takes no new codes", "此活動已封存,無法再新增代碼"),
  code_space_exhausted: fixed(
    "every new draw collided with existing codes: use a longer length or another prefix",
    "新產生的代碼都與既有代碼重複:請加長代碼長度或改用其他前綴",
  ),
  job_gave_up: define(z.object({ attempts: Count, kind: JobKindParam.optional() }), {
    en: ({ attempts, kind }) =>
      `the job could not be finished after ${attempts} attempt${attempts === 1 ? "" : "s"} and was given up: ${
        kind === "import_codes"
          ? "nothing was imported; upload the file again"
          : kind === "generate_codes"
            ? "the codes made before it stopped are kept (result.generated); start a new job for the rest"
            : "start a new job"
      }`,
    "zh-TW": ({ attempts, kind }) =>
      `此工作嘗試 ${attempts} 次仍無法完成,已放棄:${
        kind === "import_codes"
          ? "未匯入任何代碼,請重新上傳檔案"
          : kind === "generate_codes"
            ? "停止前已產生的代碼會保留(result.generated),其餘請建立新的工作"
            : "請建立新的工作"
      }`,
  }),
  queue_unavailable: fixed("the job queue could not be reached", "無法連線到工作佇列"),
};

/** Every reason a code job can give for a row, its file or itself. */
export type JobProblemReason = keyof typeof JOB_PROBLEMS;
export const JOB_PROBLEM_REASONS = Object.keys(JOB_PROBLEMS) as JobProblemReason[];

export type JobProblemParams<R extends JobProblemReason> = z.output<(typeof JOB_PROBLEMS)[R]["params"]>;

/** A reason with its parameters and its English message (what a job stores). */
export type DescribedJobProblem<R extends JobProblemReason = JobProblemReason> = {
  [K in R]: { reason: K; params: JobProblemParams<K>; message: string };
}[R];

type ParamsArgument<R extends JobProblemReason> =
  Record<string, never> extends JobProblemParams<R>
    ? [params?: JobProblemParams<R>]
    : [params: JobProblemParams<R>];

/** The problem as a job stores it: reason, parameters and the English message made from them. */
export function jobProblem<R extends JobProblemReason>(
  reason: R,
  ...[params]: ParamsArgument<R>
): DescribedJobProblem<R> {
  const given = params ?? {};
  const message = JOB_PROBLEMS[reason].render(given, "en");
  if (message === null) throw new Error(`job problem ${reason}: parameters of another shape`);
  return { reason, params: given, message } as DescribedJobProblem<R>;
}

function isJobProblemReason(reason: string): reason is JobProblemReason {
  return Object.hasOwn(JOB_PROBLEMS, reason);
}

/**
 * A stored problem's message in `locale`: rendered from its reason and parameters, or its stored
 * message when they cannot be rendered (a row stored before its reason had parameters, or a reason
 * this catalog does not know).
 */
export function describeJobProblem(
  problem: { reason: string; params?: unknown; message: string },
  locale: Locale,
): string {
  if (!isJobProblemReason(problem.reason)) return problem.message;
  return JOB_PROBLEMS[problem.reason].render(problem.params ?? {}, locale) ?? problem.message;
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.floor(bytes / 1024 / 1024)} MB` : `${Math.floor(bytes / 1024)} KB`;
}
