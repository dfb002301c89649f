// What is wrong with one field of a request (a 400 VALIDATION_ERROR's `details.fields[].message`), in
// each locale. Producers write their messages in English, as zod does; this catalog words them for a
// reader of another locale: zod's own issues from their code and parameters, and every message the
// project writes (schemas, gateway, domain) from its English text, numbers and names read back from
// it. English is always the message as written. A message the catalog does not know stays English.
import { z } from "zod";
import { CODE_FORMAT_MESSAGES, CODE_FORMAT_PROBLEMS } from "./code-rules.ts";
import type { Locale } from "./errors.ts";

/**
 * A field problem as zod reports one (any producer may give the same shape): its message and code;
 * zod's parameters (minimum, origin, values, …) are read from the issue itself.
 */
export type FieldIssue = { readonly message: string; readonly code?: string };

/** The message of a field problem in `locale`; English, or a message this catalog does not know, as given. */
export function describeFieldIssue(issue: FieldIssue, locale: Locale): string {
  if (locale === "en") return issue.message;
  return wordMessage(issue.message) ?? wordZodIssue(issue) ?? issue.message;
}

/** A field message written in English (by a route, the domain, a schema) in `locale`; unknown ones as given. */
export function describeFieldMessage(message: string, locale: Locale): string {
  return locale === "en" ? message : (wordMessage(message) ?? message);
}

// ---- Messages the project writes -----------------------------------------------------------------

/** What a template reads back from an English message: a number as written (1,000), or any text. */
const PART_PATTERNS = { number: String.raw`-?\d[\d,]*`, text: ".+" } as const;
type PartKind = keyof typeof PART_PATTERNS;
type Parts<K extends string> = Readonly<Record<K, string>>;

type FieldMessage = {
  /** The zh-TW wording of `message`, or null when it is not this message. */
  word(message: string): string | null;
};

function fixed(en: string, zhTW: string): FieldMessage {
  return { word: (message) => (message === en ? zhTW : null) };
}

const SLOT = "\u0000";

/**
 * A message with numbers or names in it, written as its producer writes it (`en`): its pattern is
 * made from that English, its parts read back from the message. `zhTW` may give null for parts it
 * has no wording for (then the message stays English).
 */
function template<K extends string>(
  parts: Readonly<Record<K, PartKind>>,
  en: (parts: Parts<K>) => string,
  zhTW: (parts: Parts<K>) => string | null,
): FieldMessage {
  const names = Object.keys(parts) as K[];
  const slots = Object.fromEntries(names.map((name) => [name, `${SLOT}${name}${SLOT}`])) as Parts<K>;
  const source = en(slots)
    .split(SLOT)
    .map((piece, index) =>
      index % 2 === 1 ? `(?<${piece}>${PART_PATTERNS[parts[piece as K]]})` : escapeRegExp(piece),
    )
    .join("");
  const pattern = new RegExp(`^${source}$`, "s");
  return {
    word(message) {
      const groups = pattern.exec(message)?.groups;
      return groups ? zhTW(groups as Parts<K>) : null;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The code rules (code-rules.ts), as a code field's message says them: "code must not contain spaces". */
const CODE_FORMAT_FIELD_MESSAGES = CODE_FORMAT_PROBLEMS.map((problem) =>
  fixed(`code ${CODE_FORMAT_MESSAGES[problem].en}`, CODE_FORMAT_MESSAGES[problem]["zh-TW"]),
);

const DATE_TIME_FORM = "must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00";
const DATE_TIME_FORM_ZH = "須為含時區偏移的 ISO 8601 日期時間,例如 2026-11-11T00:00:00+08:00";

/** What RE2 says of a tracking pattern it cannot compile (`error parsing regexp: …`), by kind. */
const RE2_SYNTAX_ERRORS: Readonly<Record<string, string>> = {
  "duplicate capture group name": "擷取群組名稱重複",
  "invalid capture in lookbehind": "lookbehind 中的擷取群組不正確",
  "invalid character class range": "字元類別的範圍不正確",
  "invalid escape sequence": "跳脫序列不正確",
  "invalid named capture": "具名擷取群組不正確",
  "invalid or unsupported Perl syntax": "Perl 語法不正確或不支援",
  "invalid nested repetition operator": "重複運算子不可巢狀使用",
  "invalid repeat count": "重複次數不正確",
  "expression too large": "運算式過大",
  "missing closing ]": "缺少結尾的 ]",
  "missing closing )": "缺少結尾的 )",
  "missing argument to repetition operator": "重複運算子前缺少內容",
  "expression nests too deeply": "運算式巢狀層數過多",
  "trailing backslash at end of expression": "運算式結尾多了反斜線",
  "unexpected )": "多了一個 )",
};

/**
 * Every field message the project writes, by its English text. A new English message needs its
 * entry here: the contracts' tests check that every message their schemas can give has one.
 */
const FIELD_MESSAGES: readonly FieldMessage[] = [
  // The gateway's own (services/gateway).
  fixed("is required", "為必填欄位"),
  fixed("is not a field of this request", "不是此請求的欄位"),
  fixed("is given more than once: send it once", "重複傳送了多次:只能傳送一次"),
  fixed(
    "cannot be changed once the campaign exists (create another campaign)",
    "活動建立後即無法修改(請另建新活動)",
  ),
  fixed("unknown cursor", "cursor 無效,請使用上一頁回傳的 nextCursor"),
  fixed(
    "is for format=json pages: an .xlsx holds every action of the range",
    "只用於 format=json 的分頁:.xlsx 已包含範圍內的所有紀錄",
  ),
  fixed("must not list the campaign itself", "不可列出此活動本身"),
  fixed("Malformed JSON in request body", "不是格式正確的 JSON"),
  fixed("malformed request", "請求格式不正確"),
  fixed("is not UTF-8 text: send JSON in UTF-8", "不是 UTF-8 文字:請以 UTF-8 傳送 JSON"),
  fixed("is not percent-encoded UTF-8", "不是以百分比編碼的 UTF-8"),
  fixed("must not be empty (leave the header out to send none)", "不可為空(不使用時請省略此標頭)"),
  fixed("must be printable ASCII", "只能使用可列印的 ASCII 字元"),
  fixed(
    "must not hold a comma: send the header once, with one key",
    "不可包含逗號:此標頭只能傳送一次,且只含一個鍵",
  ),
  fixed("is not a byte count", "不是位元組數"),
  // What the gateway answers before a route runs (services/gateway/src/client-errors.ts).
  fixed("is not a valid HTTP request", "不是有效的 HTTP 請求"),
  fixed("is required in HTTP/1.1", "HTTP/1.1 請求必須提供"),
  fixed("is not a host name or address with an optional port", "不是主機名稱或位址(可附連接埠)"),
  fixed("only 100-continue is met", "只支援 100-continue"),
  fixed("did not arrive within the server's request timeout", "未在伺服器的請求逾時前送達"),
  template(
    { max: "number" },
    ({ max }) => `at most ${max} characters`,
    ({ max }) => `最多 ${max} 個字元`,
  ),
  template(
    { code: "text", expected: "text", outcome: "text" },
    ({ code, expected, outcome }) => `${code} was expected ${expected} but ${outcome}`,
    ({ code, expected, outcome }) =>
      expected === "to match" && outcome === "did not"
        ? `預期 ${code} 符合規則,但沒有符合`
        : expected === "not to match" && outcome === "matched"
          ? `預期 ${code} 不符合規則,但符合了`
          : null,
  ),
  // The contracts' schemas (packages/contracts).
  ...CODE_FORMAT_FIELD_MESSAGES,
  fixed(DATE_TIME_FORM, DATE_TIME_FORM_ZH),
  fixed(
    "is written as a date-time but names a day, time or offset that does not exist",
    "日期時間格式正確,但其中的日期、時間或時區偏移並不存在",
  ),
  fixed(`${DATE_TIME_FORM} (in a query string, + as %2B)`, `${DATE_TIME_FORM_ZH}(在查詢字串中,+ 請寫成 %2B)`),
  fixed(
    "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z",
    "須介於 1970-01-01T00:00:00Z 與 9999-12-31T23:59:59.999Z 之間",
  ),
  fixed("nothing to change", "沒有要修改的欄位"),
  fixed(
    "must not be . or ..: a URL cannot name it, so the order could not be cancelled over HTTP",
    "不可為 . 或 ..:網址無法表示,訂單將無法透過 HTTP 取消",
  ),
  fixed("must be 0 or more", "不可小於 0"),
  template(
    { min: "number" },
    ({ min }) => `must be at least ${min}`,
    ({ min }) => `不可小於 ${min}`,
  ),
  template(
    { max: "number" },
    ({ max }) => `must be at most ${max}`,
    ({ max }) => `不可大於 ${max}`,
  ),
  fixed("must be an integer amount in minor units", "須為以最小貨幣單位表示的整數金額"),
  fixed("must be an ISO 4217 code such as TWD or USD", "須為 ISO 4217 幣別代碼,例如 TWD 或 USD"),
  fixed("is not an ISO 4217 currency", "不是 ISO 4217 幣別"),
  fixed("must be a whole number", "須為整數"),
  fixed(
    "must be xlsx: the codes export is an .xlsx spreadsheet only",
    "須為 xlsx:代碼匯出僅提供 .xlsx 試算表",
  ),
  fixed("at least one scope", "至少須有一個權限範圍"),
  fixed("must not repeat a scope", "權限範圍不可重複"),
  fixed("at most two decimals", "最多兩位小數"),
  fixed("at least one product", "至少須有一項商品"),
  fixed('must be "*" or a list of at most 1,000 campaign ids', '須為 "*",或最多 1,000 個活動 id 的清單'),
  fixed("endsAt must be after startsAt", "endsAt 須晚於 startsAt"),
  fixed("the cart has no items", "購物車中沒有商品"),
  fixed("the cart total is too large", "購物車總金額過大"),
  fixed("must not name a reservation twice", "同一筆保留不可列出兩次"),
  template(
    { perRequest: "number", perJob: "number" },
    ({ perRequest, perJob }) =>
      `at most ${perRequest} per request; set "large": true for up to ${perJob} in one job`,
    ({ perRequest, perJob }) =>
      `每次請求最多 ${perRequest} 個;設定 "large": true 時,一個工作最多 ${perJob} 個`,
  ),
  fixed("to must be after from", "to 須晚於 from"),
  template(
    { days: "number" },
    ({ days }) => `the range may span at most ${days} days`,
    ({ days }) => `範圍最多 ${days} 天`,
  ),
  fixed("must not contain the NUL character (U+0000)", "不可包含 NUL 字元(U+0000)"),
  fixed("must have a visible character", "須包含至少一個可見字元"),
  fixed(
    "must be well-formed Unicode (it holds a lone surrogate)",
    "須為格式正確的 Unicode(其中有落單的代理字元)",
  ),
  // The domain's refusals (packages/domain).
  template(
    { min: "number", max: "number" },
    ({ min, max }) => `must be an integer ${min}..${max}`,
    ({ min, max }) => `須為 ${min} 到 ${max} 之間的整數`,
  ),
  fixed("may contain only letters A-Z, a-z and digits 0-9", "只能使用英文字母 A-Z、a-z 與數字 0-9"),
  template(
    { random: "number", length: "number" },
    ({ random, length }) => `must leave at least ${random} random characters in a ${length}-character code`,
    ({ random, length }) => `須在 ${length} 個字元的代碼中留下至少 ${random} 個隨機字元`,
  ),
  template(
    { random: "number", length: "number" },
    ({ random, length }) => `must leave at least ${random} random characters in a code of at most ${length}`,
    ({ random, length }) => `須在最多 ${length} 個字元的代碼中留下至少 ${random} 個隨機字元`,
  ),
  fixed("must be a number with at most two decimals", "須為最多兩位小數的數字"),
  fixed("must be 1..100", "須介於 1 到 100 之間"),
  fixed("must be a non-negative integer", "須為 0 以上的整數"),
  fixed("must be an integer >= 1", "須為 1 以上的整數"),
  fixed("is not a valid discount rule", "不是有效的折扣規則"),
  fixed("pattern is empty", "規則不可為空"),
  template(
    { max: "number" },
    ({ max }) => `pattern is longer than ${max} characters`,
    ({ max }) => `規則超過 ${max} 個字元`,
  ),
  template(
    { ascii: "text" },
    ({ ascii }) => `pattern holds full-width characters, which no code has (codes are ASCII): write ${ascii}`,
    ({ ascii }) => `規則含有全形字元,但代碼只有半形(ASCII)字元:請寫成 ${ascii}`,
  ),
  fixed(
    "pattern may not turn off ignoring letter case ((?-i)): codes match in any case",
    "規則不可關閉忽略大小寫((?-i)):代碼比對不分大小寫",
  ),
  template(
    { size: "number", max: "number" },
    ({ size, max }) =>
      `pattern is too complex (${size} instructions compiled, at most ${max}): write fewer or smaller nested repeats`,
    ({ size, max }) => `規則過於複雜(編譯後有 ${size} 個指令,最多 ${max} 個):請減少巢狀重複,或縮小重複次數`,
  ),
  template(
    { kind: "text", fragment: "text" },
    ({ kind, fragment }) => `error parsing regexp: ${kind}: \`${fragment}\``,
    ({ kind, fragment }) => {
      const worded = Object.hasOwn(RE2_SYNTAX_ERRORS, kind) ? RE2_SYNTAX_ERRORS[kind] : undefined;
      return worded === undefined ? null : `規則語法錯誤:${worded}:\`${fragment}\``;
    },
  ),
  template(
    { kind: "text" },
    ({ kind }) => `error parsing regexp: ${kind}`,
    ({ kind }) => {
      const worded = Object.hasOwn(RE2_SYNTAX_ERRORS, kind) ? RE2_SYNTAX_ERRORS[kind] : undefined;
      return worded === undefined ? null : `規則語法錯誤:${worded}`;
    },
  ),
  // An upload refused before it becomes a job (packages/code-files).
  fixed("the file is empty (0 bytes)", "檔案是空的(0 位元組)"),
  fixed("a file in the multipart field `file`", "須以 multipart 欄位 `file` 上傳一個檔案"),
  template(
    { reason: "text" },
    ({ reason }) => `is not a readable multipart/form-data body (${reason})`,
    ({ reason }) => `不是可讀取的 multipart/form-data 內容(${reason})`,
  ),
  fixed(
    "one file only: the multipart field `file` was sent more than once",
    "只能上傳一個檔案:multipart 欄位 `file` 傳送了多次",
  ),
  fixed(
    "the file is named .xlsx but is a password-protected workbook or an old .xls one: remove the password, or save it as an Excel Workbook (.xlsx)",
    "檔名是 .xlsx,但檔案是設有密碼的活頁簿或舊版 .xls 活頁簿:請移除密碼,或另存為「Excel 活頁簿 (.xlsx)」",
  ),
  fixed(
    "the file is named .xlsx but is not a spreadsheet: it is not an .xlsx (zip) workbook (e.g. a text file renamed .xlsx); save it from Excel as an Excel Workbook (.xlsx)",
    "檔名是 .xlsx,但檔案不是試算表:不是 .xlsx(zip)活頁簿(例如改名為 .xlsx 的文字檔);請用 Excel 另存為「Excel 活頁簿 (.xlsx)」",
  ),
  fixed(
    "the file is named .csv but is an Excel workbook: upload it with its own name (.xlsx), or save it from Excel as CSV UTF-8 (comma delimited) (.csv)",
    "檔名是 .csv,但檔案是 Excel 活頁簿:請以原本的副檔名(.xlsx)上傳,或用 Excel 另存為「CSV UTF-8 (逗號分隔) (.csv)」",
  ),
  fixed(
    "the .csv file is not text in UTF-8, UTF-16 (with its byte order mark) or Big5, or is Big5 with a code that is not ASCII (a full-width letter, say): save it as CSV UTF-8 (comma delimited) (.csv)",
    "此 .csv 檔案不是 UTF-8、UTF-16(含位元組順序標記)或 Big5 編碼的文字,或是 Big5 檔案中有代碼含非 ASCII 字元(例如全形字母):請另存為「CSV UTF-8 (逗號分隔) (.csv)」",
  ),
  template(
    { extension: "text" },
    ({ extension }) => `a ${extension} file cannot be imported: only .xlsx and .csv files can`,
    ({ extension }) => `無法匯入 ${extension} 檔案:只能匯入 .xlsx 與 .csv 檔案`,
  ),
  fixed(
    "a file without an extension cannot be imported: only .xlsx and .csv files can",
    "無法匯入沒有副檔名的檔案:只能匯入 .xlsx 與 .csv 檔案",
  ),
];

/**
 * Longer than any message the project writes, even with the input some carry (a tracking pattern,
 * a file's extension): a longer one stays as given, and no template's pattern runs over it.
 */
const MAX_WORDED_LENGTH = 1_000;

function wordMessage(message: string): string | null {
  if (message.length > MAX_WORDED_LENGTH) return null;
  for (const entry of FIELD_MESSAGES) {
    const worded = entry.word(message);
    if (worded !== null) return worded;
  }
  return null;
}

// ---- zod's own issues ----------------------------------------------------------------------------

const ZOD_ENGLISH = z.locales.en().localeError;

/**
 * Whether `issue` carries zod's own English message for its code and parameters (and not a message
 * a schema wrote): only those are worded from the parameters. zod's invalid_type names what it
 * received, which an issue does not keep, so there the message is compared up to that.
 */
function isZodDefault(issue: FieldIssue): boolean {
  try {
    const english = ZOD_ENGLISH(issue as unknown as Parameters<typeof ZOD_ENGLISH>[0]);
    const text = typeof english === "string" ? english : english?.message;
    if (text === undefined) return false;
    return issue.code === "invalid_type"
      ? issue.message.startsWith(text.replace(/received \S+$/, "received "))
      : issue.message === text;
  } catch {
    return false;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "字串",
  number: "數字",
  int: "整數",
  bigint: "整數",
  boolean: "布林值(true 或 false)",
  object: "物件",
  array: "陣列",
  date: "日期",
  file: "檔案",
  null: "null",
  undefined: "未提供",
  nan: "NaN",
};

/** "須為" and what follows, spaced from a Latin word as the zh-TW texts write it (須為 UUID, 須為數字). */
const mustBe = (what: string) => (/^[\x21-\x7e]/.test(what) ? `須為 ${what}` : `須為${what}`);

const typeName = (type: string) => (Object.hasOwn(TYPE_NAMES, type) ? TYPE_NAMES[type] : type) ?? type;

/** A number as the messages show it (1,000,000): the same as a job problem's counts. */
const count = (value: number | bigint) => value.toLocaleString("en");

/** A literal value as zod shows it: strings quoted. */
const literal = (value: unknown) =>
  typeof value === "string" ? JSON.stringify(value) : typeof value === "bigint" ? `${value}n` : String(value);

const oneOf = (values: readonly unknown[]) =>
  values.length === 1 ? `須為 ${literal(values[0])}` : `須為下列其中之一:${values.map(literal).join("、")}`;

const Bound = z.union([z.number(), z.bigint()]);
const SIZE_UNITS: Readonly<Record<string, string>> = {
  string: "個字元",
  array: "項",
  set: "項",
  map: "項",
  file: "位元組",
};

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  uuid: "UUID",
  guid: "GUID",
  datetime: "ISO 8601 日期時間",
  date: "ISO 8601 日期(YYYY-MM-DD)",
  time: "ISO 8601 時間",
  duration: "ISO 8601 期間",
  email: "電子郵件地址",
  url: "網址(URL)",
  ipv4: "IPv4 位址",
  ipv6: "IPv6 位址",
  base64: "base64 編碼字串",
  base64url: "base64url 編碼字串",
  json_string: "JSON 字串",
  jwt: "JWT",
};

const BoundIssue = z.object({
  minimum: Bound.optional(),
  maximum: Bound.optional(),
  origin: z.string(),
  inclusive: z.boolean().optional(),
  exact: z.boolean().optional(),
});

/**
 * A too_small or too_big issue's bound as the messages show it (1,000), what it bounds (`origin`)
 * and its unit (none for a number); null when the issue is not of that shape.
 */
function readBound(
  issue: FieldIssue,
  side: "minimum" | "maximum",
): { limit: string; origin: string; unit: string | undefined; inclusive: boolean; exact: boolean } | null {
  const parsed = BoundIssue.safeParse(issue);
  const bound = parsed.success ? parsed.data[side] : undefined;
  if (!parsed.success || bound === undefined) return null;
  const { origin, inclusive, exact } = parsed.data;
  return {
    limit: count(bound),
    origin,
    unit: Object.hasOwn(SIZE_UNITS, origin) ? SIZE_UNITS[origin] : undefined,
    inclusive: inclusive ?? false,
    exact: exact ?? false,
  };
}

/** zh-TW for each issue code zod gives, from its parameters; null when they are not of that shape. */
const ZOD_ISSUES: Readonly<Record<string, (issue: FieldIssue) => string | null>> = {
  invalid_type(issue) {
    const parsed = z.object({ expected: z.string() }).safeParse(issue);
    if (!parsed.success) return null;
    const { expected } = parsed.data;
    const received = /received (\S+)$/.exec(issue.message)?.[1];
    if (expected === "int" || received === undefined || received === expected)
      return mustBe(typeName(expected));
    return `${mustBe(typeName(expected))},但收到的是${typeName(received)}`;
  },
  too_small(issue) {
    const bound = readBound(issue, "minimum");
    if (!bound) return null;
    const { limit, origin, unit, inclusive, exact } = bound;
    if (unit === undefined) return inclusive ? `不可小於 ${limit}` : `須大於 ${limit}`;
    if (exact) return `須剛好 ${limit} ${unit}`;
    if (origin === "string" && inclusive && limit === "1") return "不可為空";
    return inclusive ? `至少須有 ${limit} ${unit}` : `須多於 ${limit} ${unit}`;
  },
  too_big(issue) {
    const bound = readBound(issue, "maximum");
    if (!bound) return null;
    const { limit, unit, inclusive, exact } = bound;
    if (unit === undefined) return inclusive ? `不可大於 ${limit}` : `須小於 ${limit}`;
    if (exact) return `須剛好 ${limit} ${unit}`;
    return inclusive ? `最多 ${limit} ${unit}` : `須少於 ${limit} ${unit}`;
  },
  invalid_value(issue) {
    const parsed = z.object({ values: z.array(z.unknown()).min(1) }).safeParse(issue);
    return parsed.success ? oneOf(parsed.data.values) : null;
  },
  invalid_format(issue) {
    const parsed = z
      .object({
        format: z.string(),
        prefix: z.string().optional(),
        suffix: z.string().optional(),
        includes: z.string().optional(),
      })
      .safeParse(issue);
    if (!parsed.success) return null;
    const { format, prefix, suffix, includes } = parsed.data;
    if (format === "starts_with" && prefix !== undefined) return `須以 "${prefix}" 開頭`;
    if (format === "ends_with" && suffix !== undefined) return `須以 "${suffix}" 結尾`;
    if (format === "includes" && includes !== undefined) return `須包含 "${includes}"`;
    const name = Object.hasOwn(FORMAT_NAMES, format) ? FORMAT_NAMES[format] : undefined;
    return name === undefined ? "格式不正確" : mustBe(name);
  },
  not_multiple_of(issue) {
    const parsed = z.object({ divisor: Bound }).safeParse(issue);
    return parsed.success ? `須為 ${count(parsed.data.divisor)} 的倍數` : null;
  },
  unrecognized_keys(issue) {
    const parsed = z.object({ keys: z.array(z.string()).min(1) }).safeParse(issue);
    return parsed.success ? `不是此請求的欄位:${parsed.data.keys.map(literal).join("、")}` : null;
  },
  invalid_union(issue) {
    const parsed = z
      .object({ options: z.array(z.unknown()).optional(), inclusive: z.boolean().optional() })
      .safeParse(issue);
    if (!parsed.success) return null;
    const { options, inclusive } = parsed.data;
    if (options && options.length > 0) return oneOf(options);
    return inclusive === false ? "同時符合多個選項" : "內容不正確";
  },
  invalid_key: () => "含有不正確的鍵",
  invalid_element: () => "含有不正確的值",
  custom: () => "內容不正確",
};

function wordZodIssue(issue: FieldIssue): string | null {
  const code = issue.code;
  if (code === undefined || !Object.hasOwn(ZOD_ISSUES, code) || !isZodDefault(issue)) return null;
  return ZOD_ISSUES[code]?.(issue) ?? null;
}
