import { describe, expect, it } from "vitest";
import { z } from "zod";
import { percentToBasisPoints } from "./campaign.ts";
import { checkGenerationSpec } from "./code-generator.ts";
import { quoteCart } from "./discount.ts";
import { DomainError } from "./errors.ts";
import { describeFieldIssue, describeFieldMessage } from "./field-messages.ts";
import { compileTrackingPattern } from "./partner-attribution.ts";
import { campaignFixture } from "./test-fixtures.ts";

const HAN = /\p{Script=Han}/u;

/** The issues zod gives for `value` against `schema`. */
function issuesOf(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the value to be refused");
  return result.error.issues;
}

function onlyIssue(schema: z.ZodType, value: unknown) {
  const [issue, ...rest] = issuesOf(schema, value);
  expect(rest).toEqual([]);
  if (!issue) throw new Error("no issue");
  return issue;
}

/** The field messages a DomainError VALIDATION_ERROR carries. */
function fieldMessagesOf(refuse: () => unknown): string[] {
  try {
    refuse();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const fields = (error.details?.fields ?? []) as { message: string }[];
    return fields.map((field) => field.message);
  }
  throw new Error("expected a refusal");
}

describe("describeFieldIssue", () => {
  it("gives every message in English as it was written", () => {
    const schema = z.object({ n: z.number().min(1), s: z.string().max(3), e: z.enum(["a", "b"]) }).strict();
    for (const issue of issuesOf(schema, { n: 0, s: "long", e: "c", extra: 1 })) {
      expect(describeFieldIssue(issue, "en")).toBe(issue.message);
    }
    expect(describeFieldIssue({ message: "is required" }, "en")).toBe("is required");
    expect(describeFieldIssue({ message: "anything at all", code: "too_small" }, "en")).toBe(
      "anything at all",
    );
  });

  it.each([
    ["a number below its minimum", z.number().min(1), 0, "不可小於 1"],
    ["a number above its maximum", z.number().max(1_000_000_000), 2e9, "不可大於 1,000,000,000"],
    ["a number not above an exclusive minimum", z.number().gt(0), 0, "須大於 0"],
    ["a number not below an exclusive maximum", z.number().lt(10), 10, "須小於 10"],
    ["an empty string", z.string().min(1), "", "不可為空"],
    ["a string too short", z.string().min(3), "ab", "至少須有 3 個字元"],
    ["a string too long", z.string().max(128), "x".repeat(129), "最多 128 個字元"],
    ["a string of another length", z.string().length(4), "abc", "須剛好 4 個字元"],
    ["an empty list", z.array(z.string()).min(1), [], "至少須有 1 項"],
    ["a list too long", z.array(z.string()).max(2), ["a", "b", "c"], "最多 2 項"],
    ["a string for a number", z.number(), "5", "須為數字,但收到的是字串"],
    ["a number for a string", z.string(), 5, "須為字串,但收到的是數字"],
    ["a fraction for an integer", z.number().int(), 1.5, "須為整數"],
    ["a number for a boolean", z.boolean(), 1, "須為布林值(true 或 false),但收到的是數字"],
    ["an object for a list", z.array(z.number()), {}, "須為陣列,但收到的是物件"],
    ["a value off the list", z.enum(["json", "xlsx"]), "pdf", '須為下列其中之一:"json"、"xlsx"'],
    ["another literal", z.literal("*"), "x", '須為 "*"'],
    ["a malformed UUID", z.uuid(), "nope", "須為 UUID"],
    ["a malformed date-time", z.iso.datetime(), "yesterday", "須為 ISO 8601 日期時間"],
    ["a malformed e-mail", z.email(), "nope", "須為電子郵件地址"],
    ["a string off its pattern", z.string().regex(/^[A-Z]+$/), "abc", "格式不正確"],
    ["a string without its prefix", z.string().startsWith("pk_"), "abc", '須以 "pk_" 開頭'],
    ["a number not a multiple", z.number().multipleOf(5), 7, "須為 5 的倍數"],
    ["an unknown key", z.strictObject({}), { a: 1, b: 2 }, '不是此請求的欄位:"a"、"b"'],
    ["a value of no union member", z.union([z.string(), z.number()]), true, "內容不正確"],
    [
      "an unknown discriminator",
      z.discriminatedUnion("type", [
        z.object({ type: z.literal("percentage") }),
        z.object({ type: z.literal("fixed") }),
      ]),
      { type: "bogus" },
      '須為下列其中之一:"percentage"、"fixed"',
    ],
    ["a refinement without a message", z.string().refine(() => false), "x", "內容不正確"],
  ])("words zod's issue for %s in zh-TW", (_, schema, value, expected) => {
    expect(describeFieldIssue(onlyIssue(schema, value), "zh-TW")).toBe(expected);
  });

  it("words a message a schema wrote from its text, not zod's code", () => {
    const issue = onlyIssue(z.number().min(1, "must be at least 1"), 0);
    expect(issue.code).toBe("too_small");
    expect(describeFieldIssue(issue, "zh-TW")).toBe("不可小於 1");
  });

  it("leaves a message the catalog does not know in English, whatever its code", () => {
    const custom = onlyIssue(z.number().min(1, "needs a bigger number"), 0);
    expect(describeFieldIssue(custom, "zh-TW")).toBe("needs a bigger number");
    expect(describeFieldIssue({ message: "something new" }, "zh-TW")).toBe("something new");
    const malformed = { message: "Too small: expected number to be >=x", code: "too_small", minimum: "x" };
    expect(describeFieldIssue(malformed, "zh-TW")).toBe(malformed.message);
    expect(describeFieldIssue({ message: "odd", code: "no_such_code" }, "zh-TW")).toBe("odd");
  });
});

describe("describeFieldMessage", () => {
  it("gives English as written", () => {
    for (const message of ["is required", "must be at least 1", "unknown cursor", "made up"]) {
      expect(describeFieldMessage(message, "en")).toBe(message);
    }
  });

  it.each([
    ["is required", "為必填欄位"],
    ["is not a field of this request", "不是此請求的欄位"],
    ["is given more than once: send it once", "重複傳送了多次:只能傳送一次"],
    ["Malformed JSON in request body", "不是格式正確的 JSON"],
    ["must be at least 1", "不可小於 1"],
    ["must be at most 9,007,199,254,740,991", "不可大於 9,007,199,254,740,991"],
    ["must be at most 100,000", "不可大於 100,000"],
    ["at most 255 characters", "最多 255 個字元"],
    ["the range may span at most 366 days", "範圍最多 366 天"],
    [
      'at most 10000 per request; set "large": true for up to 1000000 in one job',
      '每次請求最多 10000 個;設定 "large": true 時,一個工作最多 1000000 個',
    ],
    ["code must not contain spaces", "代碼不可使用空白鍵"],
    [
      "must leave at least 4 random characters in a code of at most 64",
      "須在最多 64 個字元的代碼中留下至少 4 個隨機字元",
    ],
    [
      "is for format=json pages: an .xlsx holds every action of the range",
      "只用於 format=json 的分頁:.xlsx 已包含範圍內的所有紀錄",
    ],
    ["AMY2024 was expected to match but did not", "預期 AMY2024 符合規則,但沒有符合"],
    ["AMY2024 was expected not to match but matched", "預期 AMY2024 不符合規則,但符合了"],
    ["error parsing regexp: missing closing ): `(a`", "規則語法錯誤:缺少結尾的 ):`(a`"],
    [
      "a .pdf file cannot be imported: only .xlsx and .csv files can",
      "無法匯入 .pdf 檔案:只能匯入 .xlsx 與 .csv 檔案",
    ],
  ])("words %s in zh-TW", (english, zhTW) => {
    expect(describeFieldMessage(english, "zh-TW")).toBe(zhTW);
  });

  it("leaves an unknown message, or a known template with parts it has no words for, in English", () => {
    expect(describeFieldMessage("something new", "zh-TW")).toBe("something new");
    expect(describeFieldMessage("", "zh-TW")).toBe("");
    expect(describeFieldMessage("must be at least many", "zh-TW")).toBe("must be at least many");
    expect(describeFieldMessage("error parsing regexp: new kind: `x`", "zh-TW")).toBe(
      "error parsing regexp: new kind: `x`",
    );
    expect(describeFieldMessage("A was expected to match but matched", "zh-TW")).toBe(
      "A was expected to match but matched",
    );
    // A message carrying a long input (an uploaded file's extension) is left as it is, unread.
    const long = `a .${" was expected  but ".repeat(5_000)} file cannot be imported: only .xlsx and .csv files can`;
    expect(describeFieldMessage(long, "zh-TW")).toBe(long);
  });

  it("words every field message the domain's refusals give", () => {
    const messages = [
      ...fieldMessagesOf(() => checkGenerationSpec({ count: 0 })),
      ...fieldMessagesOf(() => checkGenerationSpec({ count: 1, length: 99 })),
      ...fieldMessagesOf(() => checkGenerationSpec({ count: 1, prefix: "A-B" })),
      ...fieldMessagesOf(() => checkGenerationSpec({ count: 1, length: 6, prefix: "ABCDE" })),
      ...fieldMessagesOf(() => percentToBasisPoints(12.345)),
      ...fieldMessagesOf(() => percentToBasisPoints(101)),
      ...fieldMessagesOf(() =>
        quoteCart(
          { currency: "TWD", items: [{ productId: "A", unitPrice: -1, quantity: 0 }], shipping: -1 },
          [],
        ),
      ),
      ...fieldMessagesOf(() =>
        quoteCart(
          {
            currency: "TWD",
            items: [{ productId: "A", unitPrice: Number.MAX_SAFE_INTEGER, quantity: 2 }],
            shipping: 0,
          },
          [],
        ),
      ),
      ...fieldMessagesOf(() =>
        quoteCart({ currency: "TWD", items: [{ productId: "A", unitPrice: 1, quantity: 1 }], shipping: 0 }, [
          { code: "X", campaign: campaignFixture({ discount: { type: "fixed", amount: -1 } }) },
        ]),
      ),
    ];
    const patterns = [
      "",
      "x".repeat(201),
      "(?-i)A",
      "(?:a{0,9}b{0,9}){0,99}",
      "(a",
      "a)",
      "a**",
      "x\\",
      "(?=a)",
    ];
    for (const pattern of patterns) {
      const check = compileTrackingPattern(pattern);
      if (check.ok) throw new Error(`${pattern} compiled`);
      messages.push(check.reason);
    }
    expect(messages.length).toBeGreaterThan(15);
    for (const message of messages) expect(describeFieldMessage(message, "zh-TW"), message).toMatch(HAN);
  });
});
