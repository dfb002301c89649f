import { randomUUID } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import { createJob, finishJob, poolSql, recordJobProgress, startJob } from "@promo/db";
import { describeError, jobProblem } from "@promo/domain";
import { createTestContext, eventually, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "../testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;
let otherStore: SeededStore;

beforeAll(async () => {
  ctx = await createTestContext("merchant");
  ({ app } = await createTestGateway(ctx, { bodyLimitBytes: 64 * 1024, importMaxBytes: IMPORT_MAX_BYTES }));
  store = await seedStore(ctx.db.database.prisma, "main");
  otherStore = await seedStore(ctx.db.database.prisma, "other");
});

afterAll(async () => {
  await ctx?.cleanup();
});

type Json = Record<string, unknown>;

const IMPORT_MAX_BYTES = 100_000;

async function call(
  method: string,
  path: string,
  options: {
    key?: string | null;
    body?: unknown;
    rawBody?: string | Uint8Array<ArrayBuffer>;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? store.keys.merchant : options.key;
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const response = await app.request(path, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : null) as Json,
    headers: response.headers,
  };
}

function campaignInput(overrides: Json = {}): Json {
  return {
    name: "Double 11",
    discount: { type: "fixed", amount: 500 },
    currency: "TWD",
    startsAt: "2026-11-11T00:00:00+08:00",
    endsAt: "2026-11-12T00:00:00+08:00",
    productIds: ["A", "B", "C"],
    usageLimit: 11,
    oncePerAccount: true,
    ...overrides,
  };
}

async function createCampaign(overrides: Json = {}, key = store.keys.merchant): Promise<Json> {
  const response = await call("POST", "/v1/campaigns", { body: campaignInput(overrides), key });
  expect(response.status).toBe(201);
  return response.body;
}

function errorOf(body: Json): { code: string; message: string; details?: Json; requestId: string } {
  return body.error as { code: string; message: string; details?: Json; requestId: string };
}

describe("campaigns", () => {
  it("creates a campaign, storing dates in UTC, and reads it back", async () => {
    const created = await createCampaign({ discount: { type: "percentage", percent: 12.5 } });
    expect(created).toMatchObject({
      name: "Double 11",
      discount: { type: "percentage", percent: 12.5 },
      currency: "TWD",
      startsAt: "2026-11-10T16:00:00.000Z",
      endsAt: "2026-11-11T16:00:00.000Z",
      memberGroups: [],
      productIds: ["A", "B", "C"],
      usageLimit: 11,
      oncePerAccount: true,
      priority: 0,
      combinesWith: [],
      state: "active",
    });
    const fetched = await call("GET", `/v1/campaigns/${String(created.id)}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created);
  });

  it("lists campaigns newest first in cursor pages", async () => {
    const fresh = await seedStore(ctx.db.database.prisma, "lister");
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1)
      ids.push(String((await createCampaign({ name: `C${index}` }, fresh.keys.merchant)).id));
    const first = await call("GET", "/v1/campaigns?limit=2", { key: fresh.keys.merchant });
    expect(first.status).toBe(200);
    const firstItems = first.body.items as Json[];
    expect(firstItems.map((item) => item.name)).toEqual(["C4", "C3"]);
    const seen = [...firstItems];
    let cursor = first.body.nextCursor as string | null;
    while (cursor) {
      const page = await call("GET", `/v1/campaigns?limit=2&cursor=${cursor}`, { key: fresh.keys.merchant });
      seen.push(...(page.body.items as Json[]));
      cursor = page.body.nextCursor as string | null;
    }
    expect(seen.map((item) => item.id)).toEqual([...ids].reverse());
    const bad = await call("GET", "/v1/campaigns?cursor=not-a-cursor", { key: fresh.keys.merchant });
    expect(bad.status).toBe(400);
  });

  it("edits dates, products and member groups; archives idempotently", async () => {
    const created = await createCampaign();
    const patched = await call("PATCH", `/v1/campaigns/${String(created.id)}`, {
      body: { endsAt: "2026-11-13T00:00:00+08:00", productIds: ["A", "D"], memberGroups: ["vip"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      endsAt: "2026-11-12T16:00:00.000Z",
      productIds: ["A", "D"],
      memberGroups: ["vip"],
    });
    const inverted = await call("PATCH", `/v1/campaigns/${String(created.id)}`, {
      body: { startsAt: "2026-11-20T00:00:00+08:00" },
    });
    expect(inverted.status).toBe(400);
    expect(errorOf(inverted.body).code).toBe("VALIDATION_ERROR");
    const discountEdit = await call("PATCH", `/v1/campaigns/${String(created.id)}`, {
      body: { discount: { type: "fixed", amount: 1 } },
    });
    expect(discountEdit.status).toBe(400);
    const archived = await call("POST", `/v1/campaigns/${String(created.id)}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.state).toBe("archived");
    const again = await call("POST", `/v1/campaigns/${String(created.id)}/archive`);
    expect(again.status).toBe(200);
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
  });

  it("refuses to edit an archived campaign with 409 CAMPAIGN_ARCHIVED, leaving it as archived", async () => {
    const created = await createCampaign();
    await call("POST", `/v1/campaigns/${String(created.id)}/archive`);
    const edit = await call("PATCH", `/v1/campaigns/${String(created.id)}`, {
      body: { productIds: ["Z"], name: "renamed" },
    });
    expect([edit.status, errorOf(edit.body).code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    expect(errorOf(edit.body).details).toEqual({ campaignId: created.id });
    const stored = await call("GET", `/v1/campaigns/${String(created.id)}`);
    expect(stored.body).toMatchObject({
      state: "archived",
      productIds: created.productIds,
      name: created.name,
    });
  });

  it("stores a product, member group or stacking partner listed twice once, and refuses stacking with itself", async () => {
    const other = await createCampaign();
    const created = await createCampaign({
      productIds: ["A", "B", "A", " B "],
      memberGroups: ["vip", "vip"],
      combinesWith: [other.id, other.id],
    });
    expect(created).toMatchObject({
      productIds: ["A", "B"],
      memberGroups: ["vip"],
      combinesWith: [other.id],
    });
    const path = `/v1/campaigns/${String(created.id)}`;
    const patched = await call("PATCH", path, { body: { productIds: ["C", "C", "D"] } });
    expect([patched.status, patched.body.productIds]).toEqual([200, ["C", "D"]]);
    const itself = await call("PATCH", path, { body: { combinesWith: [other.id, created.id] } });
    expect([itself.status, errorOf(itself.body).details]).toEqual([
      400,
      { fields: [{ path: "combinesWith", message: "must not list the campaign itself" }] },
    ]);
    const notIds = await call("PATCH", path, { body: { combinesWith: ["not-a-uuid"] } });
    expect([notIds.status, errorOf(notIds.body).details]).toEqual([
      400,
      { fields: [{ path: "combinesWith", message: 'must be "*" or a list of at most 1,000 campaign ids' }] },
    ]);
    expect((await call("GET", path)).body.combinesWith).toEqual([other.id]);
    // A campaign that does not exist is not found, whatever its combinesWith says.
    const missing = "00000000-0000-4000-8000-000000000001";
    const unknown = await call("PATCH", `/v1/campaigns/${missing}`, { body: { combinesWith: [missing] } });
    expect([unknown.status, errorOf(unknown.body).code]).toEqual([404, "NOT_FOUND"]);
  });
});

describe("values the record cannot hold", () => {
  const fieldsOf = (response: { body: Json }) => errorOf(response.body).details?.fields;
  const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");

  it("refuses dates outside years 1970 to 9999 (UTC) with 400 on that field, storing nothing", async () => {
    const fresh = await seedStore(ctx.db.database.prisma, "far-dates");
    const range = "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z";
    for (const [field, value] of [
      ["endsAt", "9999-12-31T23:59:59.999-14:00"],
      ["endsAt", "9999-12-31T23:59:59-01:00"],
      ["startsAt", "0000-01-01T00:00:00Z"],
      ["startsAt", "1969-12-31T23:59:59.999Z"],
    ] as const) {
      const created = await call("POST", "/v1/campaigns", {
        key: fresh.keys.merchant,
        body: campaignInput({ [field]: value }),
      });
      // That field alone: no second complaint that endsAt is not after a startsAt that did not parse.
      expect([created.status, fieldsOf(created)], value).toEqual([400, [{ path: field, message: range }]]);
    }
    const malformed = await call("POST", "/v1/campaigns", {
      key: fresh.keys.merchant,
      body: campaignInput({ startsAt: "2026-11-01 00:00:00Z" }),
    });
    expect(fieldsOf(malformed)).toEqual([
      {
        path: "startsAt",
        message: "must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00",
      },
    ]);
    const noSuchMonth = await call("POST", "/v1/campaigns", {
      key: fresh.keys.merchant,
      body: campaignInput({ startsAt: "2026-13-01T00:00:00Z" }),
    });
    expect(fieldsOf(noSuchMonth)).toEqual([
      {
        path: "startsAt",
        message: "is written as a date-time but names a day, time or offset that does not exist",
      },
    ]);
    // Left out, it is required, like any other field.
    const { startsAt: _left, ...withoutStart } = campaignInput({});
    const missing = await call("POST", "/v1/campaigns", { key: fresh.keys.merchant, body: withoutStart });
    expect(fieldsOf(missing)).toEqual([{ path: "startsAt", message: "is required" }]);
    const noRange = await call("GET", "/v1/reports/codes", { key: fresh.keys.merchant });
    expect(fieldsOf(noRange)).toEqual([
      { path: "from", message: "is required" },
      { path: "to", message: "is required" },
    ]);
    const listed = await call("GET", "/v1/campaigns", { key: fresh.keys.merchant });
    expect([listed.status, listed.body.items]).toEqual([200, []]);

    const campaign = await createCampaign({ endsAt: "9999-12-31T23:59:59.999+00:00" }, fresh.keys.merchant);
    expect(campaign.endsAt).toBe("9999-12-31T23:59:59.999Z");
    const path = `/v1/campaigns/${String(campaign.id)}`;
    const patched = await call("PATCH", path, {
      key: fresh.keys.merchant,
      body: { endsAt: "9999-12-31T23:59:59-01:00" },
    });
    expect([patched.status, fieldsOf(patched)]).toEqual([400, [{ path: "endsAt", message: range }]]);
    expect((await call("GET", path, { key: fresh.keys.merchant })).body.endsAt).toBe(
      "9999-12-31T23:59:59.999Z",
    );
    expect((await call("GET", "/v1/campaigns", { key: fresh.keys.merchant })).status).toBe(200);
    const alerts = await call("GET", "/v1/alerts?since=0000-01-01T00:00:00Z", { key: fresh.keys.merchant });
    expect([alerts.status, fieldsOf(alerts)]).toEqual([400, [{ path: "since", message: range }]]);
  });

  it("refuses a usage limit above 2,147,483,647 with 400", async () => {
    const tooMany = "must be at most 2,147,483,647";
    const created = await call("POST", "/v1/campaigns", {
      body: campaignInput({ usageLimit: 2_147_483_648 }),
    });
    expect([created.status, fieldsOf(created)]).toEqual([400, [{ path: "usageLimit", message: tooMany }]]);
    const campaign = await createCampaign({ usageLimit: 2_147_483_647 });
    expect(campaign.usageLimit).toBe(2_147_483_647);
    const patched = await call("PATCH", `/v1/campaigns/${String(campaign.id)}`, {
      body: { usageLimit: 2 ** 53 - 1 },
    });
    expect([patched.status, fieldsOf(patched)]).toEqual([400, [{ path: "usageLimit", message: tooMany }]]);
  });

  it("says what is wrong with a page size: its bounds, or not a plain whole number", async () => {
    for (const [query, message] of [
      ["limit=0", "must be at least 1"],
      ["limit=201", "must be at most 200"],
      ["limit=0x10", "must be a whole number"],
      ["limit=1e1", "must be a whole number"],
      ["limit=1&limit=2", "is given more than once: send it once"],
      ["limit=x&limit=2&limit=3", "is given more than once: send it once"],
    ]) {
      const response = await call("GET", `/v1/campaigns?${query}`);
      expect([response.status, fieldsOf(response)], query).toEqual([400, [{ path: "limit", message }]]);
    }
    // A repeat is named alongside the other problems, which keep their messages.
    const both = await call(
      "GET",
      "/v1/reports/codes?from=2026-11-01T00:00:00Z&from=2026-11-02T00:00:00Z&to=2026-11-31T00:00:00Z",
    );
    expect(fieldsOf(both)).toEqual([
      { path: "from", message: "is given more than once: send it once" },
      {
        path: "to",
        message: "is written as a date-time but names a day, time or offset that does not exist",
      },
    ]);
    expect((await call("GET", "/v1/campaigns?limit=%2010%20")).status).toBe(200);
  });

  it("refuses forged cursors that name what no row can hold as unknown cursors", async () => {
    const campaign = await createCampaign();
    const other = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "FORGED1" } });
    const unknown = [{ path: "cursor", message: "unknown cursor" }];
    const id = "00000000-0000-4000-8000-000000000000";
    for (const path of [
      `/v1/campaigns?cursor=${cursorOf([-62167219200001, id])}`,
      `/v1/campaigns?cursor=${cursorOf([-8.64e15, id])}`,
      `/v1/api-keys?cursor=${cursorOf([-62167219200001, id])}`,
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf([String(campaign.id), "a\u0000"])}`,
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf([String(campaign.id), "forged1"])}`,
      // A code key the campaign does not hold, another campaign's page, and a cursor naming no campaign:
      // taken, each started the listing after its key and left out every code before it.
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf([String(campaign.id), "ZZZZ"])}`,
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf([String(other.id), "FORGED1"])}`,
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf(["FORGED1"])}`,
    ]) {
      const response = await call("GET", path, { key: store.keys.all });
      expect([response.status, fieldsOf(response)], path).toEqual([400, unknown]);
    }
    const ownPage = await call(
      "GET",
      `/v1/campaigns/${String(campaign.id)}/codes?cursor=${cursorOf([String(campaign.id), "FORGED1"])}`,
    );
    expect([ownPage.status, ownPage.body.items]).toEqual([200, []]);
    const codeId = String(
      ((await call("GET", "/v1/codes/FORGED1")).body.items as { code: Json }[])[0]?.code.id,
    );
    for (const cursor of [["9999999999999999999"], [codeId, "9223372036854775808"], [id, "1"]]) {
      const response = await call("GET", `/v1/codes/FORGED1?cursor=${cursorOf(cursor)}`);
      expect([response.status, fieldsOf(response)], JSON.stringify(cursor)).toEqual([400, unknown]);
    }
    const last = await call("GET", `/v1/codes/FORGED1?cursor=${cursorOf([codeId, "9223372036854775807"])}`);
    expect(last.status).toBe(200);
  });

  it("reads a code named full-width (an input method in full-width mode) as its ASCII self in lookups", async () => {
    const campaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "FWLOOK1" } });
    const fullWidth = [..."FWLOOK1"].map((char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0)).join("");
    const ascii = await call("GET", "/v1/codes/FWLOOK1");
    const typed = await call("GET", `/v1/codes/${encodeURIComponent(fullWidth)}`);
    expect(ascii.status).toBe(200);
    expect([typed.status, typed.body]).toEqual([200, ascii.body]);
  });

  it("reads an empty cursor as the first page, on every paged list", async () => {
    const campaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "EMPTYCURSOR1" } });
    for (const path of [
      "/v1/campaigns?limit=1",
      "/v1/api-keys?limit=1",
      `/v1/campaigns/${String(campaign.id)}/codes?limit=1`,
      "/v1/codes/EMPTYCURSOR1?limit=1",
      "/v1/partners?limit=1",
      "/v1/alerts?limit=1",
      "/v1/reports/actions?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&limit=1",
    ]) {
      const first = await call("GET", path, { key: store.keys.all });
      const empty = await call("GET", `${path}&cursor=`, { key: store.keys.all });
      expect([empty.status, empty.body], path).toEqual([200, first.body]);
    }
  });

  it("pages each campaign's reservations of a shared code with that item's own cursor", async () => {
    const fresh = await seedStore(ctx.db.database.prisma, "shared-code-pages");
    const key = fresh.keys.merchant;
    const windows = [
      { startsAt: "2026-01-01T00:00:00Z", endsAt: "2026-02-01T00:00:00Z" },
      { startsAt: "2026-03-01T00:00:00Z", endsAt: "2026-04-01T00:00:00Z" },
    ];
    const codes: Json[] = [];
    for (const window of windows) {
      const campaign = await createCampaign(window, key);
      codes.push(
        (await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { key, body: { code: "SHARED1" } }))
          .body,
      );
    }
    // Two reservations each, the first campaign's sequences before the second's (one partition, one counter).
    await ctx.db.database.prisma.reservation.createMany({
      data: [23_000, 24_000, 25_000, 26_000].map((sequence, index) => {
        const code = codes[Math.floor(index / 2)] as Json;
        return {
          id: randomUUID(),
          storeId: fresh.storeId,
          codeId: String(code.id),
          campaignId: String(code.campaignId),
          codeInput: "SHARED1",
          codeKey: "SHARED1",
          accountId: `shopper-${sequence}`,
          memberGroups: [],
          partition: 0,
          sequence: BigInt(sequence),
          status: "REJECTED" as const,
          errorCode: "USAGE_LIMIT_REACHED",
          currency: "TWD",
          cart: {},
          lines: [],
          totals: {},
          acceptedAt: new Date(),
          decidedAt: new Date(),
        };
      }),
    });
    type Item = {
      campaign: Json;
      reservations: { sequence: number }[];
      nextReservationCursor: string | null;
    };
    const itemsOf = async (query: string) => {
      const response = await call("GET", `/v1/codes/shared1?${query}`, { key });
      expect(response.status, query).toBe(200);
      return response.body.items as Item[];
    };
    const first = await itemsOf("limit=1");
    expect(first.map((item) => item.reservations.map((reservation) => reservation.sequence))).toEqual([
      [23_000],
      [25_000],
    ]);
    for (const [index, item] of first.entries()) {
      const next = await itemsOf(`limit=1&cursor=${String(item.nextReservationCursor)}`);
      expect(
        next.map((page) => [page.campaign.id, page.reservations.map((reservation) => reservation.sequence)]),
      ).toEqual([[item.campaign.id, [[24_000, 26_000][index]]]]);
      expect(next[0]?.nextReservationCursor).toBeNull();
    }
  });

  it("finds no code for a string that only Unicode case mapping would turn into one", async () => {
    const campaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "LIVECODE1" } });
    expect((await call("GET", "/v1/codes/livecode1")).status).toBe(200);
    // Dotless ı upper-cases to I; a full-width digit is another matter (read as ASCII, as at checkout).
    for (const lookalike of ["l%C4%B1vecode1", "L%C4%B0VECODE1"]) {
      const response = await call("GET", `/v1/codes/${lookalike}`);
      expect([response.status, errorOf(response.body).code], lookalike).toEqual([404, "CODE_NOT_FOUND"]);
      const expired = await call("POST", `/v1/codes/${lookalike}/expire`);
      expect(expired.status, lookalike).toBe(404);
    }
  });
});

describe("codes and the duplicate-code rule", () => {
  it("adds a code and finds it case-insensitively, shown as entered", async () => {
    const campaign = await createCampaign();
    const created = await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, {
      body: { code: "meepShop1" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: "meepShop1", state: "active", source: "single" });
    const lookup = await call("GET", "/v1/codes/MEEPSHOP1");
    expect(lookup.status).toBe(200);
    const items = lookup.body.items as Json[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      code: { code: "meepShop1" },
      campaign: { id: campaign.id },
      uses: { live: 0, reserved: 0, confirmed: 0, usageLimit: 11 },
      reservations: [],
    });
    const list = await call("GET", `/v1/campaigns/${String(campaign.id)}/codes`);
    expect((list.body.items as Json[]).map((item) => item.code)).toEqual(["meepShop1"]);
  });

  it.each([
    ["5 characters", "ABCDE"],
    ["a space", "ABC DEF"],
    ["CJK characters", "優惠碼ABCDEF"],
    ["symbols", "ABC-DEF!"],
    ["65 characters", "A".repeat(65)],
  ])("refuses a code with %s (400 with field details)", async (_label, code) => {
    const campaign = await createCampaign();
    const response = await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code } });
    expect(response.status).toBe(400);
    const error = errorOf(response.body);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.details?.fields).toEqual([expect.objectContaining({ path: "code" })]);
  });

  it("refuses a code shared with an overlapping live campaign, in any letter case, naming it", async () => {
    const first = await createCampaign({ name: "Double 11 A" });
    const second = await createCampaign({
      name: "Double 11 B",
      startsAt: "2026-11-11T12:00:00+08:00",
      endsAt: "2026-11-14T00:00:00+08:00",
    });
    expect(
      (await call("POST", `/v1/campaigns/${String(first.id)}/codes`, { body: { code: "Share111" } })).status,
    ).toBe(201);
    const clash = await call("POST", `/v1/campaigns/${String(second.id)}/codes`, {
      body: { code: "sHARE111" },
    });
    expect(clash.status).toBe(409);
    expect(errorOf(clash.body)).toMatchObject({
      code: "CODE_CONFLICT",
      details: { campaignId: first.id, campaignName: "Double 11 A", code: "Share111" },
    });
    const sameCampaign = await call("POST", `/v1/campaigns/${String(first.id)}/codes`, {
      body: { code: "SHARE111" },
    });
    expect(sameCampaign.status).toBe(409);
  });

  it("allows the same code in campaigns whose windows do not overlap, and in archived ones", async () => {
    const november = await createCampaign({
      startsAt: "2026-11-01T00:00:00Z",
      endsAt: "2026-12-01T00:00:00Z",
    });
    const december = await createCampaign({
      startsAt: "2026-12-01T00:00:00Z",
      endsAt: "2027-01-01T00:00:00Z",
    });
    expect(
      (await call("POST", `/v1/campaigns/${String(november.id)}/codes`, { body: { code: "Monthly1" } }))
        .status,
    ).toBe(201);
    expect(
      (await call("POST", `/v1/campaigns/${String(december.id)}/codes`, { body: { code: "MONTHLY1" } }))
        .status,
    ).toBe(201);
    // November's code stops blocking an overlapping campaign once November is archived.
    const overlapping = await createCampaign({
      startsAt: "2026-11-15T00:00:00Z",
      endsAt: "2026-11-20T00:00:00Z",
    });
    const path = `/v1/campaigns/${String(overlapping.id)}/codes`;
    expect((await call("POST", path, { body: { code: "monthly1" } })).status).toBe(409);
    await call("POST", `/v1/campaigns/${String(november.id)}/archive`);
    expect((await call("POST", path, { body: { code: "monthly1" } })).status).toBe(201);
    const lookup = await call("GET", "/v1/codes/monthly1");
    expect((lookup.body.items as Json[]).length).toBe(3);
  });

  it("refuses a new code for an archived campaign with 409 CAMPAIGN_ARCHIVED", async () => {
    const campaign = await createCampaign({});
    await call("POST", `/v1/campaigns/${String(campaign.id)}/archive`);
    const refused = await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, {
      body: { code: "Archived1" },
    });
    expect([refused.status, errorOf(refused.body).code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    expect((await call("GET", "/v1/codes/Archived1")).status).toBe(404);
  });

  it("refuses moving a campaign's dates into an overlap with a campaign sharing a code", async () => {
    const early = await createCampaign({ startsAt: "2026-10-01T00:00:00Z", endsAt: "2026-10-10T00:00:00Z" });
    const late = await createCampaign({
      name: "Late",
      startsAt: "2026-10-20T00:00:00Z",
      endsAt: "2026-10-30T00:00:00Z",
    });
    await call("POST", `/v1/campaigns/${String(early.id)}/codes`, { body: { code: "Moving01" } });
    await call("POST", `/v1/campaigns/${String(late.id)}/codes`, { body: { code: "moving01" } });
    const overlap = await call("PATCH", `/v1/campaigns/${String(early.id)}`, {
      body: { endsAt: "2026-10-21T00:00:00Z" },
    });
    expect(overlap.status).toBe(409);
    expect(errorOf(overlap.body)).toMatchObject({
      code: "CODE_CONFLICT",
      details: { campaignId: late.id, campaignName: "Late" },
    });
    const stillApart = await call("PATCH", `/v1/campaigns/${String(early.id)}`, {
      body: { endsAt: "2026-10-20T00:00:00Z" },
    });
    expect(stillApart.status).toBe(200);
  });

  it("expires and reactivates a code", async () => {
    const campaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "Expire01" } });
    const expired = await call("POST", "/v1/codes/EXPIRE01/expire");
    expect(expired.status).toBe(200);
    expect((expired.body.items as Json[])[0]).toMatchObject({ state: "expired" });
    const reactivated = await call("POST", "/v1/codes/expire01/reactivate");
    expect((reactivated.body.items as Json[])[0]).toMatchObject({ state: "active", expiredAt: null });
    expect((await call("POST", "/v1/codes/NOSUCHCODE1/expire")).status).toBe(404);
    // A misspelt narrowing would expire the code in every campaign holding it: refused, naming it.
    const misspelt = await call("POST", `/v1/codes/EXPIRE01/expire?campaign_id=${String(campaign.id)}`);
    expect([misspelt.status, errorOf(misspelt.body).details]).toEqual([
      400,
      { fields: [{ path: "campaign_id", message: "is not a field of this request" }] },
    ]);
    const listed = await call("GET", `/v1/campaigns/${String(campaign.id)}/codes`);
    expect((listed.body.items as Json[])[0]).toMatchObject({ state: "active" });
  });
});

describe("merchant and admin POSTs that take no body", () => {
  it("refuse a body that says something, naming its fields, and change nothing; no body, an empty one and {} are no body", async () => {
    const campaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(campaign.id)}/codes`, { body: { code: "NoBody01" } });
    const key = await call("POST", "/v1/api-keys", {
      key: store.keys.admin,
      body: { name: "no-body", scopes: ["checkout"] },
    });
    const attempts = [
      ["/v1/codes/NOBODY01/expire", store.keys.merchant],
      ["/v1/codes/NOBODY01/reactivate", store.keys.merchant],
      [`/v1/campaigns/${String(campaign.id)}/archive`, store.keys.merchant],
      [`/v1/api-keys/${String(key.body.id)}/revoke`, store.keys.admin],
    ] as const;
    for (const [path, as] of attempts) {
      const fields = await call("POST", path, { key: as, body: { campaignId: campaign.id, dryRun: true } });
      expect([fields.status, errorOf(fields.body).details], path).toEqual([
        400,
        {
          fields: [
            { path: "campaignId", message: "is not a field of this request" },
            { path: "dryRun", message: "is not a field of this request" },
          ],
        },
      ]);
      const malformed = await call("POST", path, { key: as, rawBody: "{not json" });
      expect([malformed.status, errorOf(malformed.body).details], path).toEqual([
        400,
        { fields: [{ path: "(body)", message: "Malformed JSON in request body" }] },
      ]);
      const list = await call("POST", path, {
        key: as,
        rawBody: "[]",
        headers: { "accept-language": "zh-TW" },
      });
      const [listed] = (errorOf(list.body).details as { fields: { path: string; message: string }[] }).fields;
      expect([list.status, listed?.path], path).toEqual([400, "(body)"]);
      // Worded in the language asked for, as every field message is.
      expect(listed?.message, path).toMatch(/[\u4e00-\u9fff]/);
    }
    // Nothing changed.
    expect((await call("GET", `/v1/campaigns/${String(campaign.id)}`)).body.state).toBe("active");
    const listed = await call("GET", `/v1/campaigns/${String(campaign.id)}/codes`);
    expect((listed.body.items as Json[])[0]).toMatchObject({ state: "active" });

    const empty = await call("POST", "/v1/codes/NOBODY01/expire", { rawBody: "" });
    expect([empty.status, (empty.body.items as Json[])[0]?.state]).toEqual([200, "expired"]);
    const braces = await call("POST", "/v1/codes/NOBODY01/reactivate", { rawBody: " {} " });
    expect([braces.status, (braces.body.items as Json[])[0]?.state]).toEqual([200, "active"]);
  });

  it("a partner's and a rule's DELETE refuse a body that says something, as those POSTs do, and delete nothing", async () => {
    const partner = await call("POST", "/v1/partners", { body: { name: "Delete guard", kind: "media" } });
    const partnerId = String(partner.body.id);
    const rule = await call("POST", `/v1/partners/${partnerId}/rules`, { body: { pattern: "GUARD[0-9]+" } });
    expect([partner.status, rule.status]).toEqual([201, 201]);
    const sized = (rawBody: string, contentType = "application/json") => ({
      rawBody,
      headers: { "content-type": contentType, "content-length": String(Buffer.byteLength(rawBody)) },
    });
    for (const path of [
      `/v1/partners/${partnerId}/rules/${String(rule.body.id)}`,
      `/v1/partners/${partnerId}`,
    ]) {
      const dryRun = await call("DELETE", path, sized('{"dryRun": true}'));
      expect([dryRun.status, errorOf(dryRun.body).details], path).toEqual([
        400,
        { fields: [{ path: "dryRun", message: "is not a field of this request" }] },
      ]);
      const repeated = await call("DELETE", path, sized('{"a": 1, "a": 2}'));
      expect([repeated.status, errorOf(repeated.body).details], path).toEqual([
        400,
        { fields: [{ path: "a", message: "is given more than once: send it once" }] },
      ]);
      expect((await call("DELETE", path, sized("{"))).status, path).toBe(400);
      expect((await call("DELETE", path, sized("hello", "text/plain"))).status, path).toBe(415);
    }
    expect((await call("GET", `/v1/partners/${partnerId}`)).status).toBe(200);
    expect((await call("GET", `/v1/partners/${partnerId}/rules`)).body.items).toHaveLength(1);
    expect((await call("DELETE", `/v1/partners/${partnerId}`)).status).toBe(204);
  });

  it("refuses a path whose percent-encoding is not UTF-8 instead of reading it as the literal text", async () => {
    for (const code of ["AB%zz12", "ABC123%", "ABC%E9123", "AB%ED%A0%80C"]) {
      const refused = await call("GET", `/v1/codes/${code}`);
      expect([refused.status, errorOf(refused.body).details], code).toEqual([
        400,
        { fields: [{ path: "(path)", message: "is not percent-encoded UTF-8" }] },
      ]);
    }
    // Percent-encoded UTF-8 is read as what it spells (here a code that does not exist).
    expect((await call("GET", "/v1/codes/CAF%C3%89123")).status).not.toBe(400);
  });

  it("expire and reactivate leave a code of an archived campaign as it is: 409 when only archived campaigns hold it", async () => {
    const archivedCampaign = await createCampaign();
    await call("POST", `/v1/campaigns/${String(archivedCampaign.id)}/codes`, { body: { code: "Archived1" } });
    expect((await call("POST", `/v1/campaigns/${String(archivedCampaign.id)}/archive`)).status).toBe(200);
    for (const action of ["expire", "reactivate"]) {
      const refused = await call("POST", `/v1/codes/ARCHIVED1/${action}`);
      expect([refused.status, errorOf(refused.body).code, errorOf(refused.body).details]).toEqual([
        409,
        "CAMPAIGN_ARCHIVED",
        { campaignId: archivedCampaign.id },
      ]);
    }
    // The code reused by a live campaign: only that one changes.
    const live = await createCampaign();
    await call("POST", `/v1/campaigns/${String(live.id)}/codes`, { body: { code: "archived1" } });
    const expired = await call("POST", "/v1/codes/Archived1/expire");
    expect([
      expired.status,
      (expired.body.items as Json[]).map((item) => [item.campaignId, item.state]),
    ]).toEqual([200, [[live.id, "expired"]]]);
    const narrowed = await call(
      "POST",
      `/v1/codes/ARCHIVED1/expire?campaignId=${String(archivedCampaign.id)}`,
    );
    expect([narrowed.status, errorOf(narrowed.body).code]).toEqual([409, "CAMPAIGN_ARCHIVED"]);
    const lookup = await call("GET", `/v1/codes/ARCHIVED1?campaignId=${String(archivedCampaign.id)}`);
    expect((lookup.body.items as Json[])[0]).toMatchObject({ code: { state: "active" } });
  });
});

describe("errors, auth and isolation", () => {
  it("answers malformed JSON with 400 VALIDATION_ERROR", async () => {
    const response = await call("POST", "/v1/campaigns", { rawBody: '{"name": "x",' });
    expect(response.status).toBe(400);
    expect(errorOf(response.body).code).toBe("VALIDATION_ERROR");
    expect(errorOf(response.body).requestId).toEqual(expect.any(String));
    // Named in details.fields, as every other 400.
    expect(errorOf(response.body).details?.fields).toEqual([
      { path: "(body)", message: "Malformed JSON in request body" },
    ]);
  });

  it("refuses a body that names a field twice, naming it, and stores nothing (JSON.parse keeps the last)", async () => {
    const listed = async () => ((await call("GET", "/v1/campaigns?limit=100")).body.items as Json[]).length;
    const before = await listed();
    const input = JSON.stringify({ ...campaignInput(), usageLimit: null });
    for (const [rawBody, path] of [
      [`{"usageLimit": 1, ${input.slice(1)}`, "usageLimit"],
      [input.replace('"discount":{', '"discount":{"amount":5000,'), "discount.amount"],
    ] as const) {
      const response = await call("POST", "/v1/campaigns", {
        rawBody,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(rawBody)) },
      });
      expect([response.status, errorOf(response.body).details?.fields]).toEqual([
        400,
        [{ path, message: "is given more than once: send it once" }],
      ]);
    }
    expect(await listed()).toBe(before);
  });

  it("says a fixed discount must be at least 1, below 0 too (not 'must be 0 or more', which 0 is not)", async () => {
    for (const [amount, message] of [
      [0, "must be at least 1"],
      [-1, "must be at least 1"],
      [1.5, "must be an integer amount in minor units"],
    ] as const) {
      const response = await call("POST", "/v1/campaigns", {
        body: campaignInput({ discount: { type: "fixed", amount } }),
      });
      expect([response.status, errorOf(response.body).details?.fields]).toEqual([
        400,
        [{ path: "discount.amount", message }],
      ]);
    }
  });

  it("answers schema violations with 400 and every bad field", async () => {
    const response = await call("POST", "/v1/campaigns", {
      body: campaignInput({
        currency: "XXQ",
        productIds: [],
        usageLimit: 0,
        discount: { type: "percentage", percent: 12.345 },
      }),
    });
    expect(response.status).toBe(400);
    const paths = ((errorOf(response.body).details?.fields ?? []) as Json[]).map((field) => field.path);
    expect(paths).toEqual(
      expect.arrayContaining(["currency", "productIds", "usageLimit", "discount.percent"]),
    );
  });

  it("refuses a misspelt field of a campaign, a code or a generation job, naming it, instead of dropping it", async () => {
    const created = await call("POST", "/v1/campaigns", {
      body: campaignInput({
        name: "Misspelt fields",
        usageLimit: undefined,
        usage_limit: 11,
        discount: { type: "percentage", percent: 10, amount: 500 },
        velocityAlert: { limit: 5, windowSeconds: 60, window: 1 },
      }),
    });
    expect(created.status).toBe(400);
    expect(errorOf(created.body).details?.fields).toEqual([
      { path: "discount.amount", message: "is not a field of this request" },
      { path: "velocityAlert.window", message: "is not a field of this request" },
      { path: "usage_limit", message: "is not a field of this request" },
    ]);
    expect(await ctx.db.database.prisma.campaign.count({ where: { name: "Misspelt fields" } })).toBe(0);

    const campaign = await call("POST", "/v1/campaigns", { body: campaignInput() });
    const id = String(campaign.body.id);
    const code = await call("POST", `/v1/campaigns/${id}/codes`, {
      body: { code: "TYPO123", partner: null },
    });
    expect([code.status, errorOf(code.body).details?.fields]).toEqual([
      400,
      [{ path: "partner", message: "is not a field of this request" }],
    ]);
    const job = await call("POST", `/v1/campaigns/${id}/codes/generate`, { body: { count: 5, lenght: 8 } });
    expect([job.status, errorOf(job.body).details?.fields]).toEqual([
      400,
      [{ path: "lenght", message: "is not a field of this request" }],
    ]);
    // A PATCH of nothing but a field the campaign cannot change is named for that field alone, saying
    // it is fixed at creation; a field no campaign has is still "not a field".
    const patch = await call("PATCH", `/v1/campaigns/${id}`, {
      body: { discount: { type: "fixed", amount: 1 } },
    });
    const fixed = "cannot be changed once the campaign exists (create another campaign)";
    expect([patch.status, errorOf(patch.body).details?.fields]).toEqual([
      400,
      [{ path: "discount", message: fixed }],
    ]);
    const fixedAndUnknown = await call("PATCH", `/v1/campaigns/${id}`, {
      body: { currency: "USD", oncePerAccount: false, colour: "red", priority: 2 },
    });
    expect([fixedAndUnknown.status, errorOf(fixedAndUnknown.body).details?.fields]).toEqual([
      400,
      [
        { path: "currency", message: fixed },
        { path: "oncePerAccount", message: fixed },
        { path: "colour", message: "is not a field of this request" },
      ],
    ]);
    const empty = await call("PATCH", `/v1/campaigns/${id}`, { body: {} });
    expect(errorOf(empty.body).details?.fields).toEqual([{ path: "(body)", message: "nothing to change" }]);
  });

  it("refuses an upload whose file field is missing or sent twice, or with a field it does not take, saying which", async () => {
    const campaign = await createCampaign();
    const upload = async (files: number, extra: Record<string, string> = {}) => {
      const form = new FormData();
      for (let index = 0; index < files; index += 1)
        form.append("file", new File([`CODE00${index}1\n`], `codes${index}.csv`, { type: "text/csv" }));
      for (const [name, value] of Object.entries(extra)) form.append(name, value);
      const response = await app.request(`/v1/campaigns/${String(campaign.id)}/codes/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${store.keys.merchant}` },
        body: form,
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const twice = await upload(2);
    expect([twice.status, errorOf(twice.body).details?.fields]).toEqual([
      400,
      [{ path: "file", message: "one file only: the multipart field `file` was sent more than once" }],
    ]);
    const none = await upload(0, { other: "x" });
    expect([none.status, errorOf(none.body).details?.fields]).toEqual([
      400,
      [
        { path: "file", message: "a file in the multipart field `file`" },
        { path: "other", message: "is not a field of this request" },
      ],
    ]);
    // A field the upload does not take is not silently dropped: the merchant meant something by it.
    const extra = await upload(1, { sheet: "2", campaignId: String(campaign.id) });
    expect([extra.status, errorOf(extra.body).details?.fields]).toEqual([
      400,
      [
        { path: "sheet", message: "is not a field of this request" },
        { path: "campaignId", message: "is not a field of this request" },
      ],
    ]);
  });

  it("takes an upload file of exactly the import limit, multipart envelope aside, and refuses one byte more", async () => {
    const campaign = await createCampaign();
    const upload = async (fileBytes: number) => {
      const form = new FormData();
      form.append("file", new File(["X".repeat(fileBytes)], "codes.csv", { type: "text/csv" }));
      // Sent as a client sends it, with its Content-Length (the length the limit is checked on).
      const encoded = new Request("http://localhost/", { method: "POST", body: form });
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      const response = await app.request(`/v1/campaigns/${String(campaign.id)}/codes/import`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${store.keys.merchant}`,
          "content-type": encoded.headers.get("content-type") ?? "",
          "content-length": String(bytes.byteLength),
        },
        body: bytes,
      });
      return { status: response.status, body: (await response.json()) as Json, bodyBytes: bytes.byteLength };
    };
    const atLimit = await upload(IMPORT_MAX_BYTES);
    expect(atLimit.bodyBytes).toBeGreaterThan(IMPORT_MAX_BYTES);
    expect(atLimit.status).toBe(202);
    const over = await upload(IMPORT_MAX_BYTES + 1);
    expect([over.status, errorOf(over.body).code, errorOf(over.body).details]).toEqual([
      413,
      "PAYLOAD_TOO_LARGE",
      { limitBytes: IMPORT_MAX_BYTES },
    ]);
  });

  it("takes a file part as .NET and RFC 5987 clients write it (unquoted parameters, filename*), keeping its name", async () => {
    const campaign = await createCampaign();
    const upload = async (
      disposition: string,
      path = `/v1/campaigns/${String(campaign.id)}/codes/import`,
    ) => {
      const bytes = new TextEncoder().encode(
        `--BB\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/csv\r\n\r\nABCDEF12\r\n--BB--\r\n`,
      );
      const response = await app.request(path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${store.keys.merchant}`,
          "content-type": "multipart/form-data; boundary=BB",
          "content-length": String(bytes.byteLength),
        },
        body: bytes,
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    for (const [disposition, fileName] of [
      ["form-data; name=file; filename=codes.csv; filename*=utf-8''codes.csv", "codes.csv"],
      ["form-data; name=file; filename=codes.csv", "codes.csv"],
      [`form-data; name="file"; filename*=UTF-8''%E5%84%AA%E6%83%A0%E7%A2%BC.csv`, "優惠碼.csv"],
      [`form-data; name="file"; filename="優惠碼.csv"`, "優惠碼.csv"],
    ] as const) {
      const answer = await upload(disposition);
      expect(answer.status, disposition).toBe(202);
      const job = await ctx.db.database.pool.query<{ params: { fileName: string } }>(
        "SELECT params FROM job WHERE id = $1",
        [answer.body.id],
      );
      expect(job.rows[0]?.params.fileName, disposition).toBe(fileName);
    }
    // A body that is not multipart inside is told so, naming the body.
    const bytes = new TextEncoder().encode("not a multipart body at all");
    const broken = await app.request(`/v1/campaigns/${String(campaign.id)}/codes/import`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${store.keys.merchant}`,
        "content-type": "multipart/form-data",
        "content-length": String(bytes.byteLength),
      },
      body: bytes,
    });
    expect([broken.status, errorOf((await broken.json()) as Json).details?.fields]).toEqual([
      400,
      [{ path: "(body)", message: expect.stringMatching(/^is not a readable multipart\/form-data body/) }],
    ]);
    // A body that ends inside its file part (no closing boundary, or a Content-Length a few bytes
    // short): 400, and the gateway goes on (its file stream's error was unheard, and ended it).
    const raw = async (body: string, contentType = "multipart/form-data; boundary=BB", method = "POST") => {
      const bytes = new TextEncoder().encode(body);
      const response = await app.request(`/v1/campaigns/${String(campaign.id)}/codes/import`, {
        method,
        headers: {
          authorization: `Bearer ${store.keys.merchant}`,
          "content-type": contentType,
          "content-length": String(bytes.byteLength),
        },
        body: bytes,
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const filePart = `--BB\r\nContent-Disposition: form-data; name="file"; filename="codes.csv"\r\n\r\nABCDEF12\r\n`;
    for (const cut of [filePart, `${filePart}--B`, filePart.slice(0, -4)]) {
      const answer = await raw(cut);
      expect([answer.status, errorOf(answer.body).details?.fields], JSON.stringify(cut)).toEqual([
        400,
        [
          {
            path: "(body)",
            message: expect.stringMatching(/^is not a readable multipart\/form-data body \(/),
          },
        ],
      ]);
    }
    // Content-Types upload clients send beside a boundary (Apache HttpClient's charset, a quoted
    // boundary with a space) are taken; the route's own gate took only `boundary=`.
    const whole = (boundary: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="codes.csv"\r\n\r\nABCDEF12\r\n--${boundary}--\r\n`;
    for (const [contentType, boundary] of [
      ["multipart/form-data; boundary=BB; charset=UTF-8", "BB"],
      ["multipart/form-data; charset=UTF-8; boundary=BB", "BB"],
      ['multipart/form-data; boundary="B B"', "B B"],
      ["multipart/form-data ;  boundary=BB", "BB"],
    ] as const) {
      expect((await raw(whole(boundary), contentType)).status, contentType).toBe(202);
    }
    // A part without a name, and more parts than an upload has, are refused naming the body.
    const nameless = await raw(
      `--BB\r\nContent-Disposition: form-data; filename="codes.csv"\r\n\r\nABCDEF12\r\n--BB--\r\n`,
    );
    expect(errorOf(nameless.body).details?.fields).toEqual([
      { path: "(body)", message: "is not a readable multipart/form-data body (a part has no name)" },
    ]);
    const many = Array.from(
      { length: 30 },
      (_, index) => `--BB\r\nContent-Disposition: form-data; name="f${index}"\r\n\r\nx\r\n`,
    ).join("");
    const crowded = await raw(`${many}--BB--\r\n`);
    expect([crowded.status, errorOf(crowded.body).details?.fields]).toEqual([
      400,
      [{ path: "(body)", message: "is not a readable multipart/form-data body (more than 20 parts)" }],
    ]);
    // Another method with a multipart body is told the methods the path takes, not about the body.
    const put = await raw(whole("BB"), "multipart/form-data; boundary=BB", "PUT");
    expect(put.status).toBe(405);
    // The path with a trailing slash is no route: 404, not "send JSON".
    const slash = await upload(
      `form-data; name="file"; filename="codes.csv"`,
      `/v1/campaigns/${String(campaign.id)}/codes/import/`,
    );
    expect([slash.status, errorOf(slash.body).code]).toEqual([404, "NOT_FOUND"]);
  });

  it("answers an upload that is not multipart with 415 naming multipart/form-data", async () => {
    const campaign = await createCampaign();
    for (const [contentType, rawBody] of [
      ["application/json", "{}"],
      ["text/csv", "ABCDEF1\n"],
    ] as const) {
      const response = await call("POST", `/v1/campaigns/${String(campaign.id)}/codes/import`, {
        rawBody,
        headers: { "content-type": contentType, "content-length": String(rawBody.length) },
      });
      expect([response.status, errorOf(response.body).details]).toEqual([
        415,
        { expected: "multipart/form-data" },
      ]);
    }
  });

  it("exports codes as .xlsx only: format=xlsx is taken, any other format refused, not ignored", async () => {
    const campaign = await createCampaign();
    const xlsx = await app.request(`/v1/campaigns/${String(campaign.id)}/codes/export?format=xlsx`, {
      headers: { authorization: `Bearer ${store.keys.merchant}` },
    });
    expect([xlsx.status, xlsx.headers.get("content-type")]).toEqual([
      200,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]);
    await xlsx.arrayBuffer();
    const csv = await call("GET", `/v1/campaigns/${String(campaign.id)}/codes/export?format=csv`);
    expect([csv.status, errorOf(csv.body).details?.fields]).toEqual([
      400,
      [{ path: "format", message: "must be xlsx: the codes export is an .xlsx spreadsheet only" }],
    ]);
  });

  it("narrows a campaign's window without waiting for the store's code writers; widening it waits", async () => {
    const campaign = await createCampaign();
    const id = String(campaign.id);
    // Another code writer of the store (an import, say) holds the store's code lock.
    const writer = new pg.Client({ connectionString: ctx.db.url });
    await writer.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", [
        `code-namespace:${store.storeId}`,
      ]);
      const narrowing = call("PATCH", `/v1/campaigns/${id}`, { body: { endsAt: "2026-11-11T12:00:00Z" } });
      // Were it waiting for the lock it would wait for good: give up after 10 s (it answers in ms).
      const narrowed = await Promise.race([narrowing, setTimeout(10_000).then(() => null)]);
      if (narrowed === null) {
        await writer.query("COMMIT");
        await narrowing;
      }
      expect([narrowed?.status, narrowed?.body.endsAt]).toEqual([200, "2026-11-11T12:00:00.000Z"]);
      let widenedAnswered = false;
      const widening = call("PATCH", `/v1/campaigns/${id}`, {
        body: { endsAt: "2026-11-30T00:00:00Z" },
      }).then((answer) => {
        widenedAnswered = true;
        return answer;
      });
      await eventually(async () => {
        const { rows } = await ctx.db.database.pool.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE NOT l.granted AND l.locktype = 'advisory' AND a.datname = current_database()`,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      }, "the widening PATCH waits for the store's code lock");
      expect(widenedAnswered).toBe(false);
      await writer.query("COMMIT");
      expect((await widening).status).toBe(200);
    } finally {
      await writer.end();
    }
  });

  it("answers 404 naming partnerId when the partner is deleted while a request ties something to it", async () => {
    const partner = await call("POST", "/v1/partners", {
      body: { name: `Vanishing ${Date.now()}`, kind: "creator" },
    });
    expect(partner.status).toBe(201);
    const partnerId = String(partner.body.id);
    // The delete is in flight: the route finds the partner, then its insert waits on the partner's
    // row (the foreign key check) until the delete commits.
    const deleting = new pg.Client({ connectionString: ctx.db.url });
    await deleting.connect();
    try {
      await deleting.query("BEGIN");
      await deleting.query("DELETE FROM partner WHERE id = $1", [partnerId]);
      const tying = call("POST", `/v1/partners/${partnerId}/rules`, { body: { pattern: "^VANISH[0-9]+$" } });
      await eventually(async () => {
        const { rows } = await ctx.db.database.pool.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE NOT l.granted AND a.datname = current_database()`,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      }, "the rule's insert waits for the partner's delete");
      await deleting.query("COMMIT");
      const answer = await tying;
      expect([answer.status, errorOf(answer.body).code, errorOf(answer.body).details]).toEqual([
        404,
        "NOT_FOUND",
        { field: "partnerId" },
      ]);
    } finally {
      await deleting.end();
    }
  });

  it("answers a body over the limit with 413", async () => {
    const response = await call("POST", "/v1/campaigns", {
      body: campaignInput({ productIds: Array.from({ length: 9_000 }, (_, index) => `PRODUCT-${index}`) }),
    });
    expect(response.status).toBe(413);
    expect(errorOf(response.body).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers a body with a Content-Encoding with 415: none is decoded", async () => {
    for (const encoding of ["gzip", "br"]) {
      const response = await call("POST", "/v1/campaigns", {
        body: campaignInput(),
        headers: {
          "content-type": "application/json",
          "content-encoding": encoding,
          "content-length": "200",
        },
      });
      expect([response.status, errorOf(response.body).details]).toEqual([
        415,
        { contentEncoding: encoding, expected: "identity" },
      ]);
    }
  });

  it("names a Content-Length that is no byte count as a field, as every 400 does", async () => {
    const response = await call("POST", "/v1/campaigns", {
      body: campaignInput(),
      headers: { "content-type": "application/json", "content-length": "12abc" },
    });
    expect([response.status, errorOf(response.body).details]).toEqual([
      400,
      { fields: [{ path: "content-length", message: "is not a byte count" }] },
    ]);
  });

  it("answers a non-JSON body with 415", async () => {
    const response = await call("POST", "/v1/campaigns", {
      rawBody: "name=x",
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(415);
  });

  it("refuses a JSON body that is not UTF-8, or declared in another charset, instead of reading U+FFFD", async () => {
    const json = JSON.stringify(campaignInput({ name: "Caf\u00e9 week" }));
    const latin1 = Uint8Array.from(Buffer.from(json, "latin1"));
    const sent = (rawBody: Uint8Array<ArrayBuffer>, contentType = "application/json") =>
      call("POST", "/v1/campaigns", {
        rawBody,
        headers: { "content-type": contentType, "content-length": String(rawBody.byteLength) },
      });
    const notUtf8 = await sent(latin1);
    expect([notUtf8.status, errorOf(notUtf8.body).details]).toEqual([
      400,
      { fields: [{ path: "(body)", message: "is not UTF-8 text: send JSON in UTF-8" }] },
    ]);
    const declared = await sent(latin1, "application/json; charset=ISO-8859-1");
    expect([declared.status, errorOf(declared.body).details]).toEqual([
      415,
      { charset: "iso-8859-1", expected: "utf-8" },
    ]);
    const utf8 = Uint8Array.from(Buffer.from(json, "utf8"));
    for (const contentType of ["application/json", 'application/json; charset="UTF-8"']) {
      const created = await sent(utf8, contentType);
      expect([created.status, (created.body as { name?: string }).name]).toEqual([201, "Caf\u00e9 week"]);
    }
  });

  it("names a field called constructor or __proto__ as not a field of the request, like any other", async () => {
    const response = await call("POST", "/v1/campaigns", {
      rawBody: JSON.stringify(campaignInput()).replace(
        "{",
        '{"constructor":1,"__proto__":{"x":1},"toString":2,',
      ),
    });
    expect([response.status, errorOf(response.body).details]).toEqual([
      400,
      {
        fields: ["constructor", "__proto__", "toString"].map((path) => ({
          path,
          message: "is not a field of this request",
        })),
      },
    ]);
  });

  it("answers a missing or unknown key with 401 and a wrong scope with 403", async () => {
    const missing = await call("GET", "/v1/campaigns", { key: null });
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([401, "Bearer"]);
    expect((await call("GET", "/v1/campaigns", { key: "pk_not-a-real-key" })).status).toBe(401);
    const wrongScope = await call("GET", "/v1/campaigns", { key: store.keys.checkout });
    expect(wrongScope.status).toBe(403);
    expect(errorOf(wrongScope.body).code).toBe("FORBIDDEN");
  });

  it("checks the key and its scope before the body: 401 or 403 whatever the body, too large or not JSON", async () => {
    const bodies: { rawBody: string; headers: Record<string, string> }[] = [
      { rawBody: "name=x", headers: { "content-type": "text/plain" } },
      { rawBody: "{}", headers: { "content-type": "application/json; charset=latin1" } },
      { rawBody: "{}", headers: { "content-type": "application/json", "content-encoding": "gzip" } },
      {
        rawBody: "{}",
        headers: { "content-type": "application/json", "content-length": String(10_000_000) },
      },
    ];
    for (const body of bodies) {
      const unknown = await call("POST", "/v1/campaigns", { ...body, key: null });
      expect([unknown.status, unknown.headers.get("www-authenticate")]).toEqual([401, "Bearer"]);
      const wrongScope = await call("POST", "/v1/campaigns", { ...body, key: store.keys.checkout });
      expect([wrongScope.status, errorOf(wrongScope.body).code]).toEqual([403, "FORBIDDEN"]);
    }
  });

  it("refuses a query parameter on a merchant route that takes none, naming it, and does nothing", async () => {
    const campaign = await createCampaign();
    const archive = await call("POST", `/v1/campaigns/${String(campaign.id)}/archive?dryRun=true`);
    expect([archive.status, errorOf(archive.body).details]).toEqual([
      400,
      { fields: [{ path: "dryRun", message: "is not a field of this request" }] },
    ]);
    const read = await call("GET", `/v1/campaigns/${String(campaign.id)}`);
    expect(read.body.archivedAt).toBeNull();

    const partner = await call("POST", "/v1/partners", {
      body: { name: `Query ${randomUUID()}`, kind: "affiliate" },
    });
    expect(partner.status).toBe(201);
    const rules = await call("GET", `/v1/partners/${String(partner.body.id)}/rules?limit=1`);
    expect([rules.status, errorOf(rules.body).details]).toEqual([
      400,
      { fields: [{ path: "limit", message: "is not a field of this request" }] },
    ]);
    expect((await call("GET", `/v1/partners/${String(partner.body.id)}/rules`)).status).toBe(200);
  });

  it("answers another store's campaign and code with 404", async () => {
    const mine = await createCampaign();
    await call("POST", `/v1/campaigns/${String(mine.id)}/codes`, { body: { code: "Private01" } });
    const key = otherStore.keys.merchant;
    expect((await call("GET", `/v1/campaigns/${String(mine.id)}`, { key })).status).toBe(404);
    expect(
      (await call("PATCH", `/v1/campaigns/${String(mine.id)}`, { key, body: { name: "x" } })).status,
    ).toBe(404);
    expect((await call("POST", `/v1/campaigns/${String(mine.id)}/archive`, { key })).status).toBe(404);
    expect(
      (await call("POST", `/v1/campaigns/${String(mine.id)}/codes`, { key, body: { code: "Stolen01" } }))
        .status,
    ).toBe(404);
    expect((await call("GET", "/v1/codes/PRIVATE01", { key })).status).toBe(404);
  });

  it("localizes messages with Accept-Language, a code clash worded for the merchant, not the checkout", async () => {
    const first = await createCampaign();
    const second = await createCampaign();
    await call("POST", `/v1/campaigns/${String(first.id)}/codes`, { body: { code: "Lang0001" } });
    const clash = await call("POST", `/v1/campaigns/${String(second.id)}/codes`, {
      body: { code: "Lang0001" },
      headers: { "accept-language": "zh-TW,zh;q=0.9,en;q=0.8" },
    });
    expect([clash.status, errorOf(clash.body).code, errorOf(clash.body).message]).toEqual([
      409,
      "CODE_CONFLICT",
      "此優惠碼已在此活動中,或已用於另一個期間重疊且未封存的活動;details 列出該活動。",
    ]);
    const english = await call("POST", `/v1/campaigns/${String(second.id)}/codes`, {
      body: { code: "Lang0001" },
    });
    expect(errorOf(english.body).message).toBe(
      "This code is already in this campaign, or in another that is not archived and whose dates overlap; the details name the campaign.",
    );
    // The campaign's own code again: the same code, message and details naming this campaign, said to be it.
    const again = await call("POST", `/v1/campaigns/${String(first.id)}/codes`, {
      body: { code: "LANG0001" },
    });
    expect([again.status, errorOf(again.body).message, errorOf(again.body).details]).toEqual([
      409,
      errorOf(english.body).message,
      { campaignId: first.id, campaignName: first.name, code: "Lang0001", sameCampaign: true },
    ]);
    // Moving a campaign's dates into a clash says the same.
    const later = await createCampaign({
      startsAt: "2026-12-01T00:00:00+08:00",
      endsAt: "2026-12-02T00:00:00+08:00",
    });
    await call("POST", `/v1/campaigns/${String(later.id)}/codes`, { body: { code: "Lang0001" } });
    const moved = await call("PATCH", `/v1/campaigns/${String(later.id)}`, {
      body: { startsAt: "2026-11-11T00:00:00+08:00" },
      headers: { "accept-language": "zh-TW" },
    });
    expect([moved.status, errorOf(moved.body).message]).toEqual([409, errorOf(clash.body).message]);
    const forbidden = await call("GET", "/v1/campaigns/not-a-uuid", {
      headers: { "accept-language": "zh-TW" },
    });
    expect(errorOf(forbidden.body).message).toBe(describeError("VALIDATION_ERROR", "zh-TW"));
  });

  it("counts the codes queued generations are still to make against the code space, requests at once one after the other", async () => {
    // 10 characters with a 6-character prefix leave 4 random ones: 31^4 = 923,521 holds 923 codes.
    // No code jobs worker runs here, so every job accepted stays queued.
    const campaign = await createCampaign({ name: "Queued space" });
    const generate = (count: number, prefix = "QSPACE") =>
      call("POST", `/v1/campaigns/${String(campaign.id)}/codes/generate`, {
        body: { count, length: 10, prefix },
      });
    const atOnce = await Promise.all([generate(400), generate(400), generate(400, "qspace")]);
    expect(atOnce.map((response) => response.status).sort()).toEqual([202, 202, 422]);
    const refused = atOnce.find((response) => response.status === 422);
    expect(refused && errorOf(refused.body)).toMatchObject({
      code: "CODE_SPACE_TOO_SMALL",
      details: { count: 400, queuedCodes: 800, randomLength: 4, codeSpace: "923521", required: "1200000" },
    });
    const [first] = atOnce
      .filter((response) => response.status === 202)
      .map((response) => String(response.body.id));
    expect((await generate(123)).status).toBe(202);
    expect(errorOf((await generate(1)).body).details).toMatchObject({ queuedCodes: 923 });
    // Another length or prefix is another space.
    expect((await generate(900, "QSPACF")).status).toBe(202);

    // A running job counts only the codes it has still to make; a finished one counts none.
    const sql = poolSql(ctx.db.database.pool);
    await startJob(sql, String(first), new Date());
    await recordJobProgress(sql, String(first), 25, { generated: 100 }, new Date());
    expect(errorOf((await generate(101)).body).details).toMatchObject({ queuedCodes: 823 });
    await finishJob(sql, String(first), {
      state: "failed",
      result: { generated: 100 },
      errors: [],
      now: new Date(),
    });
    expect((await generate(400)).status).toBe(202);

    // A queued job of a shorter prefix draws some of its codes into a longer prefix's space: about
    // 10,000 / 31 of QY's 7-character codes go on with an A. None go on with an O, no symbol.
    const shortPrefix = await call("POST", `/v1/campaigns/${String(campaign.id)}/codes/generate`, {
      body: { count: 10_000, length: 7, prefix: "QY" },
    });
    expect(shortPrefix.status).toBe(202);
    const longer = (prefix: string) =>
      call("POST", `/v1/campaigns/${String(campaign.id)}/codes/generate`, {
        body: { count: 900, length: 7, prefix },
      });
    expect(errorOf((await longer("QYA")).body).details).toMatchObject({ count: 900, queuedCodes: 323 });
    expect((await longer("QYO")).status).toBe(202);
  });

  it("answers a job's problems in the request's language; one stored without its parameters keeps its message", async () => {
    const campaign = await createCampaign({ name: "Job messages" });
    const sql = poolSql(ctx.db.database.pool);
    const job = await createJob(sql, {
      id: randomUUID(),
      storeId: store.storeId,
      campaignId: String(campaign.id),
      kind: "import_codes",
      params: { fileName: "codes.csv", fileKind: "csv", size: 64 },
      now: new Date(),
    });
    const other = "c0ffee00-0000-4000-8000-000000000001";
    await finishJob(sql, job.id, {
      state: "failed",
      result: { imported: 0, badRows: 5 },
      errors: [
        { row: 2, value: "ABCDEF\nGHIJ12", ...jobProblem("line_break") },
        { row: 3, value: "abcdef12", ...jobProblem("duplicate", { firstRow: 1 }) },
        {
          row: 4,
          value: "LIVE0001",
          ...jobProblem("code_conflict", { sameCampaign: false, campaignId: other, campaignName: "週年慶" }),
        },
        // As problems were stored before they had parameters.
        {
          row: 5,
          value: "dupcode1",
          reason: "duplicate",
          message: "duplicate of row 1 (codes are case-insensitive)",
        },
        { row: 6, value: "AB CD12", reason: "whitespace", message: "code must not contain spaces" },
      ],
      now: new Date(),
    });
    const read = async (headers: Record<string, string>) => {
      const response = await call("GET", `/v1/jobs/${job.id}`, { headers });
      expect([response.status, response.body.errorReportUrl]).toEqual([
        200,
        `/v1/jobs/${job.id}/error-report`,
      ]);
      return response.body.errors;
    };
    expect(await read({ "accept-language": "zh-TW,zh;q=0.9,en;q=0.8" })).toEqual([
      { row: 2, value: "ABCDEF\nGHIJ12", reason: "line_break", message: "代碼不可包含換行(內容有多行文字)" },
      { row: 3, value: "abcdef12", reason: "duplicate", message: "與第 1 列的代碼重複(代碼不分大小寫)" },
      {
        row: 4,
        value: "LIVE0001",
        reason: "code_conflict",
        message: `活動「週年慶」(${other})已有這個代碼,該活動未封存且期間與此活動重疊(代碼不分大小寫)`,
      },
      {
        row: 5,
        value: "dupcode1",
        reason: "duplicate",
        message: "duplicate of row 1 (codes are case-insensitive)",
      },
      { row: 6, value: "AB CD12", reason: "whitespace", message: "代碼不可使用空白鍵" },
    ]);
    expect(await read({})).toEqual([
      {
        row: 2,
        value: "ABCDEF\nGHIJ12",
        reason: "line_break",
        message: "code must not contain line breaks (the value holds more than one line)",
      },
      {
        row: 3,
        value: "abcdef12",
        reason: "duplicate",
        message: "duplicate of row 1 (codes are case-insensitive)",
      },
      {
        row: 4,
        value: "LIVE0001",
        reason: "code_conflict",
        message: `campaign "週年慶" (${other}) already has this code, is not archived and its dates overlap this campaign's (codes are case-insensitive)`,
      },
      {
        row: 5,
        value: "dupcode1",
        reason: "duplicate",
        message: "duplicate of row 1 (codes are case-insensitive)",
      },
      { row: 6, value: "AB CD12", reason: "whitespace", message: "code must not contain spaces" },
    ]);
    const report = await app.request(`/v1/jobs/${job.id}/error-report`, {
      headers: { authorization: `Bearer ${store.keys.merchant}`, "accept-language": "zh-TW" },
    });
    expect([report.status, report.headers.get("content-type")]).toEqual([
      200,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]);

    // A generation that failed has its problem in errors, and no report of bad rows.
    const generation = await createJob(sql, {
      id: randomUUID(),
      storeId: store.storeId,
      campaignId: String(campaign.id),
      kind: "generate_codes",
      params: { count: 10, length: 10, prefix: "" },
      now: new Date(),
    });
    await finishJob(sql, generation.id, {
      state: "failed",
      result: { generated: 0 },
      errors: [{ row: null, value: String(campaign.id), ...jobProblem("campaign_archived") }],
      now: new Date(),
    });
    const failed = await call("GET", `/v1/jobs/${generation.id}`, {
      headers: { "accept-language": "zh-TW" },
    });
    expect([failed.body.errors, failed.body.errorReportUrl]).toEqual([
      [
        {
          row: null,
          value: String(campaign.id),
          reason: "campaign_archived",
          message: "此活動已封存,無法再新增代碼",
        },
      ],
      null,
    ]);
    expect((await call("GET", `/v1/jobs/${generation.id}/error-report`)).status).toBe(404);
  });

  it("describes every route in an OpenAPI 3.1 document generated from the same schemas", async () => {
    const response = await app.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toBe("3.1.0");
    for (const [path, method] of [
      ["/v1/campaigns", "post"],
      ["/v1/campaigns/{id}", "patch"],
      ["/v1/campaigns/{id}/codes", "post"],
      ["/v1/codes/{code}", "get"],
      ["/v1/checkout/quote", "post"],
      ["/v1/reservations", "post"],
      ["/v1/reservations/{id}/confirm", "post"],
      ["/readyz", "get"],
    ] as const) {
      expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });

  it("answers an unknown route with 404 in the error shape", async () => {
    const response = await call("GET", "/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(errorOf(response.body).code).toBe("NOT_FOUND");
  });

  it("answers a known path asked with another method 405, saying in Allow which it takes", async () => {
    const campaign = await createCampaign({});
    const wrong = await call("DELETE", `/v1/campaigns/${String(campaign.id)}`);
    expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "GET, HEAD, PATCH"]);
    expect(errorOf(wrong.body)).toMatchObject({
      code: "METHOD_NOT_ALLOWED",
      details: { method: "DELETE", allowed: ["GET", "HEAD", "PATCH"] },
    });
    const archive = await call("GET", `/v1/campaigns/${String(campaign.id)}/archive`);
    expect([archive.status, archive.headers.get("allow")]).toEqual([405, "POST"]);
    // Scopes still come first: a checkout key learns nothing of merchant paths.
    const checkout = await call("DELETE", `/v1/campaigns/${String(campaign.id)}`, {
      key: store.keys.checkout,
    });
    expect(checkout.status).toBe(403);
  });
});
