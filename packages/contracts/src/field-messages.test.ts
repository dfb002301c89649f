import { describeFieldIssue, describeFieldMessage } from "@promo/domain";
import { describe, expect, it } from "vitest";
import * as contracts from "./index.ts";
import { LONE_SURROGATE_MESSAGE, NUL_CHARACTER_MESSAGE } from "./storable-text.ts";

const HAN = /\p{Script=Han}/u;

type ZodInternals = { _zod: { def: Record<string, unknown> } };

function isZodSchema(value: unknown): value is ZodInternals {
  return typeof value === "object" && value !== null && "_zod" in value;
}

/**
 * Every message the contracts' schemas write themselves (`.min(1, "…")`, `.refine(…, "…")`,
 * `{ error: … }`), by schema and field: found by walking each exported schema's definition (its
 * fields, items, options, wrapped and piped schemas, and their checks) and asking each custom error
 * for its text, for a value and for a value left out. A new message is found without a list to keep.
 */
function declaredMessages(): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<unknown>();
  const visit = (value: unknown, where: string): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item, where);
      return;
    }
    if (!isZodSchema(value)) return;
    const { def } = value._zod;
    if (typeof def.error === "function") {
      for (const input of ["x", undefined]) {
        const said: unknown = def.error({ code: "custom", input, path: [] });
        const text = typeof said === "string" ? said : (said as { message?: unknown } | undefined)?.message;
        if (typeof text === "string") found.set(text, where);
      }
    }
    for (const [key, child] of Object.entries(def)) {
      if (key === "shape" && typeof child === "object" && child !== null && !isZodSchema(child)) {
        for (const [field, schema] of Object.entries(child)) visit(schema, `${where}.${field}`);
      } else if (key !== "error") visit(child, where);
    }
  };
  for (const [name, value] of Object.entries(contracts)) visit(value, name);
  return found;
}

/** Bad requests through the real schemas: zod's own issues and the messages refinements add. */
const BAD_INPUTS: [name: string, schema: Parsing, input: unknown][] = [
  [
    "CampaignCreateSchema",
    contracts.CampaignCreateSchema,
    {
      name: "",
      discount: { type: "bogus" },
      currency: "twd",
      startsAt: "yesterday",
      productIds: [],
      priority: 1.5,
      usageLimit: "a",
      combinesWith: 5,
      velocityAlert: { limit: 0, windowSeconds: 10 },
      partnerId: "not-a-uuid",
      usage_limit: 1,
    },
  ],
  [
    "CampaignPatchSchema",
    contracts.CampaignPatchSchema,
    { discount: { type: "percentage", percent: 12.345 }, memberGroups: ["x".repeat(129)] },
  ],
  [
    "QuoteRequestSchema",
    contracts.QuoteRequestSchema,
    {
      codes: [],
      accountId: 5,
      cart: { currency: "XYZ", items: [{ productId: "a", unitPrice: -1, quantity: 0 }], shipping: 1.5 },
    },
  ],
  [
    "ReservationRequestSchema",
    contracts.ReservationRequestSchema,
    { code: "x".repeat(257), accountId: "a", cart: { currency: "TWD", items: [] } },
  ],
  [
    "ReportQuerySchema",
    contracts.ReportQuerySchema,
    { from: "2026-01-01", to: "2025-01-01T00:00:00Z", format: "pdf", limit: "1e3" },
  ],
  ["CampaignPatchSchema", contracts.CampaignPatchSchema, { startsAt: "2026-02-30T00:00:00+08:00" }],
  ["ConfirmRequestSchema", contracts.ConfirmRequestSchema, { orderNumber: ".." }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "ab c" }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "優惠碼123456" }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "ＡＢＣ１２３" }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "ABC-123" }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "AB" }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "A".repeat(65) }],
  ["CodeCreateSchema", contracts.CodeCreateSchema, { code: "ABC\n123" }],
  ["GenerateCodesRequestSchema", contracts.GenerateCodesRequestSchema, { count: 20_000 }],
  [
    "GenerateCodesRequestSchema",
    contracts.GenerateCodesRequestSchema,
    { count: 0, prefix: "x".repeat(59), lenght: 8 },
  ],
  [
    "ApiKeyCreateSchema",
    contracts.ApiKeyCreateSchema,
    { name: "k", scopes: ["checkout", "checkout", "root"] },
  ],
  ["PartnerRuleCreateSchema", contracts.PartnerRuleCreateSchema, { pattern: "", samples: [{ code: "A" }] }],
  [
    "AlertListQuerySchema",
    contracts.AlertListQuerySchema,
    { since: "2026-11-11T00:00:00 08", kind: "spam", limit: "0" },
  ],
];

describe("field messages of the contracts", () => {
  const declared = declaredMessages();

  it("finds the messages the schemas declare (the walk reaches them)", () => {
    expect(declared.size).toBeGreaterThan(25);
    expect([...declared.keys()]).toEqual(
      expect.arrayContaining([
        "is required",
        "nothing to change",
        "the cart has no items",
        "must be at most 500",
      ]),
    );
  });

  it("has a zh-TW wording for every message a schema declares, and leaves its English as written", () => {
    const untranslated = [...declared].filter(
      ([message]) => !HAN.test(describeFieldMessage(message, "zh-TW")),
    );
    expect(untranslated, "add these to FIELD_MESSAGES in @promo/domain field-messages.ts").toEqual([]);
    for (const message of declared.keys()) expect(describeFieldMessage(message, "en")).toBe(message);
  });

  it("has a zh-TW wording for every issue bad requests get, refinements' and zod's own", () => {
    const untranslated: string[] = [];
    let issues = 0;
    for (const [name, schema, input] of BAD_INPUTS) {
      const result = schema.safeParse(input);
      if (result.success) throw new Error(`${name} took ${JSON.stringify(input)}`);
      for (const issue of result.error.issues) {
        issues += 1;
        expect(describeFieldIssue(issue, "en")).toBe(issue.message);
        if (!HAN.test(describeFieldIssue(issue, "zh-TW"))) untranslated.push(`${name}: ${issue.message}`);
      }
    }
    expect(issues).toBeGreaterThan(40);
    expect(untranslated).toEqual([]);
  });

  it("has a zh-TW wording for the text PostgreSQL cannot store", () => {
    for (const message of [NUL_CHARACTER_MESSAGE, LONE_SURROGATE_MESSAGE]) {
      expect(describeFieldMessage(message, "zh-TW")).toMatch(HAN);
    }
  });
});

type Parsing = { safeParse(value: unknown): ParseResult };

type ParseResult =
  | { success: true }
  | { success: false; error: { issues: { message: string; code?: string; path: PropertyKey[] }[] } };
