import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "./testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("field-messages");
  ({ app } = await createTestGateway(ctx));
  store = await seedStore(ctx.db.database.prisma, "main");
});

afterAll(async () => {
  await ctx?.cleanup();
});

type ErrorAnswer = { error: { code: string; message: string; details?: { fields?: unknown } } };

async function call(
  method: string,
  path: string,
  options: { locale?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; body: ErrorAnswer & Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${store.keys.merchant}` };
  if (options.locale) headers["accept-language"] = options.locale;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await app.request(path, { method, headers, body });
  return { status: response.status, body: (await response.json()) as ErrorAnswer & Record<string, unknown> };
}

/** A campaign with a field left out, one too small, one unknown, a bad date-time and custom messages. */
const BAD_CAMPAIGN = {
  name: "Double 11",
  discount: { type: "fixed", amount: 500 },
  currency: "twd",
  startsAt: "2026-11-11 midnight",
  productIds: [],
  velocityAlert: { limit: 0, windowSeconds: 3600 },
  usage_limit: 10,
};

const CAMPAIGN = {
  name: "Double 11",
  discount: { type: "fixed", amount: 500 },
  currency: "TWD",
  startsAt: "2026-11-11T00:00:00+08:00",
  endsAt: "2026-11-12T00:00:00+08:00",
  productIds: ["A"],
};

describe("field messages under Accept-Language", () => {
  it("answers every field of a bad body in zh-TW", async () => {
    const answer = await call("POST", "/v1/campaigns", { locale: "zh-TW", body: BAD_CAMPAIGN });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_ERROR");
    expect(answer.body.error.message).toBe("請求內容不正確。");
    expect(answer.body.error.details?.fields).toEqual([
      { path: "currency", message: "須為 ISO 4217 幣別代碼,例如 TWD 或 USD" },
      { path: "startsAt", message: "須為含時區偏移的 ISO 8601 日期時間,例如 2026-11-11T00:00:00+08:00" },
      { path: "endsAt", message: "為必填欄位" },
      { path: "productIds", message: "至少須有一項商品" },
      { path: "velocityAlert.limit", message: "不可小於 1" },
      { path: "usage_limit", message: "不是此請求的欄位" },
    ]);
  });

  it("answers the same body in English as before, with no Accept-Language or with en", async () => {
    const english = [
      { path: "currency", message: "must be an ISO 4217 code such as TWD or USD" },
      {
        path: "startsAt",
        message: "must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00",
      },
      { path: "endsAt", message: "is required" },
      { path: "productIds", message: "at least one product" },
      { path: "velocityAlert.limit", message: "Too small: expected number to be >=1" },
      { path: "usage_limit", message: "is not a field of this request" },
    ];
    for (const locale of [undefined, "en-US,zh-TW;q=0.5"]) {
      const answer = await call("POST", "/v1/campaigns", {
        ...(locale ? { locale } : {}),
        body: BAD_CAMPAIGN,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toBe("The request is not valid.");
      expect(answer.body.error.details?.fields).toEqual(english);
    }
  });

  it("words query problems in zh-TW: a repeated parameter, an unknown one, a value off its list", async () => {
    const answer = await call("GET", "/v1/campaigns?limit=1&limit=2&state=gone&campaign_id=x", {
      locale: "zh-TW",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details?.fields).toEqual([
      { path: "state", message: '須為下列其中之一:"active"、"archived"' },
      { path: "limit", message: "重複傳送了多次:只能傳送一次" },
      { path: "campaign_id", message: "不是此請求的欄位" },
    ]);
  });

  it("words in zh-TW what routes, the domain and middleware refuse, and a field fixed at creation", async () => {
    const created = await call("POST", "/v1/campaigns", { body: CAMPAIGN });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const cases: [
      method: string,
      path: string,
      options: { body?: unknown; rawBody?: string },
      fields: unknown,
    ][] = [
      [
        "PATCH",
        `/v1/campaigns/${id}`,
        { body: { discount: { type: "fixed", amount: 1 } } },
        [{ path: "discount", message: "活動建立後即無法修改(請另建新活動)" }],
      ],
      [
        "PATCH",
        `/v1/campaigns/${id}`,
        { body: { combinesWith: [id] } },
        [{ path: "combinesWith", message: "不可列出此活動本身" }],
      ],
      [
        "GET",
        "/v1/campaigns?cursor=not-a-cursor",
        {},
        [{ path: "cursor", message: expect.stringMatching(/^cursor 無效/) }],
      ],
      [
        "POST",
        `/v1/campaigns/${id}/codes/generate`,
        { body: { count: 1, length: 6, prefix: "ABCDE" } },
        [{ path: "prefix", message: "須在 6 個字元的代碼中留下至少 4 個隨機字元" }],
      ],
      [
        "POST",
        "/v1/campaigns",
        { rawBody: '{"name": ' },
        [{ path: "(body)", message: "不是格式正確的 JSON" }],
      ],
      [
        "POST",
        "/v1/campaigns",
        { body: { ...CAMPAIGN, name: "Double\u000011" } },
        [{ path: "name", message: "不可包含 NUL 字元(U+0000)" }],
      ],
    ];
    for (const [method, path, options, fields] of cases) {
      const answer = await call(method, path, { ...options, locale: "zh-TW" });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.body.error.details?.fields, `${method} ${path}`).toEqual(fields);
    }
  });

  it("words in zh-TW an upload without its file, and one with two", async () => {
    const created = await call("POST", "/v1/campaigns", { body: CAMPAIGN });
    const upload = async (form: FormData) => {
      const response = await app.request(`/v1/campaigns/${String(created.body.id)}/codes/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${store.keys.merchant}`, "accept-language": "zh-TW" },
        body: form,
      });
      return { status: response.status, body: (await response.json()) as ErrorAnswer };
    };
    const file = () => new File(["ABCDEF12\n"], "codes.csv", { type: "text/csv" });
    const none = new FormData();
    none.append("other", "x");
    const two = new FormData();
    two.append("file", file());
    two.append("file", file());
    expect((await upload(none)).body.error.details?.fields).toEqual([
      { path: "file", message: "須以 multipart 欄位 `file` 上傳一個檔案" },
      { path: "other", message: "不是此請求的欄位" },
    ]);
    expect((await upload(two)).body.error.details?.fields).toEqual([
      { path: "file", message: "只能上傳一個檔案:multipart 欄位 `file` 傳送了多次" },
    ]);
  });
});
