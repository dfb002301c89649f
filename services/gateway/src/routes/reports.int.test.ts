import { randomUUID } from "node:crypto";
import { createTestContext, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "../testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];
let store: SeededStore;
let otherStore: SeededStore;

type Json = Record<string, unknown>;
type Measures = {
  currency: string;
  orders: number;
  confirmed: number;
  cancelled: number;
  revenue: number;
  discount: number;
  accounts: number;
};
type CodeRow = Measures & { codeId: string; code: string; campaignId: string; campaignName: string };
type PartnerRow = Measures & { partnerId: string | null; partnerName: string | null };
type ReportBody<Row> = { from: string; to: string; rows: Row[]; totals: Measures[]; truncated: boolean };

/** What the seed put in: enough to compute every figure independently of the SQL. */
type SeededOrder = {
  reservationId: string;
  orderNumber: string | null;
  cancelledAt: Date | null;
  codeId: string;
  partnerId: string | null;
  campaignId: string;
  currency: string;
  status: (typeof STATUSES)[number];
  accountId: string;
  orderTotal: number;
  discount: number;
  confirmedAt: Date | null;
};
const STATUSES = ["CONFIRMED", "CONFIRMED", "CONFIRMED", "CANCELLED", "RESERVED", "REJECTED"] as const;
const seeded: SeededOrder[] = [];
const otherSeeded: SeededOrder[] = [];
const codes = new Map<string, { code: string; campaignId: string; campaignName: string }>();
const partners = new Map<string, string>();

const DAY = 86_400_000;
const EPOCH = Date.parse("2026-10-01T00:00:00.000Z");
const FROM = new Date(EPOCH + 2 * DAY);
const TO = new Date(EPOCH + 7 * DAY);

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response;
}

async function json<T = Json>(method: string, path: string, key: string, body?: unknown) {
  const response = await call(method, path, key, body);
  return { status: response.status, body: (await response.json()) as T };
}

/** A small deterministic generator, so the seed is the same every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % below;
  };
}

async function seed(target: SeededStore, label: string, count: number): Promise<SeededOrder[]> {
  const random = generator(label.length * 7_919);
  const partnerIds: (string | null)[] = [null];
  for (const name of [`${label} Amy`, `${label} Media`]) {
    const created = await json<{ id: string }>("POST", "/v1/partners", target.keys.merchant, {
      name,
      kind: "creator",
    });
    expect(created.status).toBe(201);
    partnerIds.push(created.body.id);
    partners.set(created.body.id, name);
  }
  const codeList: { id: string; campaignId: string; currency: string }[] = [];
  for (const [index, currency] of ["TWD", "TWD", "USD"].entries()) {
    const campaignName = `${label} campaign ${index}`;
    const campaign = await json<{ id: string }>("POST", "/v1/campaigns", target.keys.merchant, {
      name: campaignName,
      discount: { type: "fixed", amount: 100 },
      currency,
      startsAt: "2026-10-01T00:00:00Z",
      endsAt: "2026-11-01T00:00:00Z",
      productIds: ["P"],
    });
    expect(campaign.status).toBe(201);
    for (const suffix of ["A", "B"]) {
      const code = `${label.toUpperCase()}${index}${suffix}CODE`;
      const created = await json<{ id: string }>(
        "POST",
        `/v1/campaigns/${campaign.body.id}/codes`,
        target.keys.merchant,
        { code },
      );
      expect(created.status).toBe(201);
      codeList.push({ id: created.body.id, campaignId: campaign.body.id, currency });
      codes.set(created.body.id, { code, campaignId: campaign.body.id, campaignName });
    }
  }
  const orders: SeededOrder[] = [];
  const rows = Array.from({ length: count }, (_, index) => {
    const code = codeList[random(codeList.length)];
    if (!code) throw new Error("no code");
    const status = STATUSES[random(STATUSES.length)] ?? "CONFIRMED";
    const placed = status === "CONFIRMED" || status === "CANCELLED";
    // Spread over ten days, with some orders exactly on the range's edges.
    const confirmedAt = !placed
      ? null
      : index % 50 === 0
        ? FROM
        : index % 50 === 1
          ? TO
          : new Date(EPOCH + random(10 * DAY));
    const order: SeededOrder = {
      reservationId: randomUUID(),
      orderNumber: placed ? `ORD-${label}-${index}` : null,
      cancelledAt: status === "CANCELLED" ? new Date(EPOCH + 9 * DAY) : null,
      codeId: code.id,
      campaignId: code.campaignId,
      currency: code.currency,
      partnerId: placed ? (partnerIds[random(partnerIds.length)] ?? null) : null,
      status,
      accountId: `acct-${random(60)}`,
      orderTotal: placed ? 500 + random(10_000) : 0,
      discount: status === "REJECTED" ? 0 : 100,
      confirmedAt,
    };
    orders.push(order);
    return {
      id: order.reservationId,
      storeId: target.storeId,
      codeId: order.codeId,
      campaignId: order.campaignId,
      codeInput: codes.get(order.codeId)?.code ?? "",
      codeKey: codes.get(order.codeId)?.code ?? "",
      accountId: order.accountId,
      memberGroups: [],
      partition: 0,
      sequence: BigInt(index + 1),
      status: order.status,
      errorCode: order.status === "REJECTED" ? "USAGE_LIMIT_REACHED" : null,
      currency: order.currency,
      cart: {},
      discount: BigInt(order.discount),
      lines: [],
      totals: {},
      partnerId: order.partnerId,
      orderNumber: order.orderNumber,
      orderTotal: placed ? BigInt(order.orderTotal) : null,
      acceptedAt: new Date(EPOCH),
      decidedAt: new Date(EPOCH),
      confirmedAt: order.confirmedAt,
      cancelledAt: order.cancelledAt,
    };
  });
  await ctx.db.database.prisma.reservation.createMany({ data: rows });
  return orders;
}

beforeAll(async () => {
  ctx = await createTestContext("reports");
  ({ app } = await createTestGateway(ctx));
  store = await seedStore(ctx.db.database.prisma, "main");
  otherStore = await seedStore(ctx.db.database.prisma, "other");
  seeded.push(...(await seed(store, "main", 600)));
  otherSeeded.push(...(await seed(otherStore, "other", 200)));
});

afterAll(async () => {
  await ctx?.cleanup();
});

/** The figures of `orders`, computed here from the seed, the way the report defines them. */
function expectedMeasures(orders: readonly SeededOrder[], currency: string): Measures {
  const standing = orders.filter((order) => order.status === "CONFIRMED");
  return {
    currency,
    orders: orders.length,
    confirmed: standing.length,
    cancelled: orders.filter((order) => order.status === "CANCELLED").length,
    revenue: standing.reduce((sum, order) => sum + order.orderTotal, 0),
    discount: standing.reduce((sum, order) => sum + order.discount, 0),
    accounts: new Set(standing.map((order) => order.accountId)).size,
  };
}

function inRange(order: SeededOrder, from = FROM, to = TO): boolean {
  return (
    (order.status === "CONFIRMED" || order.status === "CANCELLED") &&
    order.confirmedAt !== null &&
    order.confirmedAt >= from &&
    order.confirmedAt < to
  );
}

function groupBy<K>(orders: readonly SeededOrder[], key: (order: SeededOrder) => K): Map<K, SeededOrder[]> {
  const groups = new Map<K, SeededOrder[]>();
  for (const order of orders) groups.set(key(order), [...(groups.get(key(order)) ?? []), order]);
  return groups;
}

const range = `from=${FROM.toISOString()}&to=${TO.toISOString()}`;

describe("performance reports", () => {
  it("by code: every row and the per-currency totals equal sums computed from the seed", async () => {
    const report = await json<ReportBody<CodeRow>>("GET", `/v1/reports/codes?${range}`, store.keys.merchant);
    expect(report.status).toBe(200);
    const placed = seeded.filter((order) => inRange(order));
    expect(placed.length).toBeGreaterThan(100);
    const expectedRows = [...groupBy(placed, (order) => order.codeId)].map(([codeId, orders]) => ({
      codeId,
      ...codes.get(codeId),
      ...expectedMeasures(orders, orders[0]?.currency ?? ""),
    }));
    expect(report.body.rows).toHaveLength(6);
    expect([...report.body.rows].sort((a, b) => a.code.localeCompare(b.code))).toEqual(
      expectedRows.sort((a, b) => String(a.code).localeCompare(String(b.code))),
    );
    const expectedTotals = [...groupBy(placed, (order) => order.currency)]
      .map(([currency, orders]) => expectedMeasures(orders, currency))
      .sort((a, b) => a.currency.localeCompare(b.currency));
    expect(report.body.totals).toEqual(expectedTotals);
    expect(report.body.truncated).toBe(false);
    expect(report.body.from).toBe(FROM.toISOString());
    // Rows come busiest first, whatever their currency.
    const orders = report.body.rows.map((row) => row.orders);
    expect(orders).toEqual([...orders].sort((a, b) => b - a));
    expect(new Set(report.body.rows.map((row) => row.currency))).toEqual(new Set(["TWD", "USD"]));
  });

  it("by partner, with a row for orders no partner drove; filters by campaign and partner", async () => {
    const report = await json<ReportBody<PartnerRow>>(
      "GET",
      `/v1/reports/partners?${range}`,
      store.keys.merchant,
    );
    expect(report.status).toBe(200);
    const placed = seeded.filter((order) => inRange(order));
    const expected = [...groupBy(placed, (order) => `${order.currency}|${order.partnerId}`)].map(
      ([, orders]) => ({
        partnerId: orders[0]?.partnerId ?? null,
        partnerName: orders[0]?.partnerId ? (partners.get(orders[0].partnerId) ?? null) : null,
        ...expectedMeasures(orders, orders[0]?.currency ?? ""),
      }),
    );
    const key = (row: PartnerRow) => `${row.currency}|${row.partnerId}`;
    expect([...report.body.rows].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(report.body.rows.some((row) => row.partnerId === null)).toBe(true);

    const someCampaign = placed[0]?.campaignId ?? "";
    const byCampaign = await json<ReportBody<PartnerRow>>(
      "GET",
      `/v1/reports/partners?${range}&campaignId=${someCampaign}`,
      store.keys.merchant,
    );
    const campaignOrders = placed.filter((order) => order.campaignId === someCampaign);
    expect(byCampaign.body.totals).toEqual([
      expectedMeasures(campaignOrders, campaignOrders[0]?.currency ?? ""),
    ]);
    const somePartner = placed.find((order) => order.partnerId)?.partnerId ?? "";
    const byPartner = await json<ReportBody<CodeRow>>(
      "GET",
      `/v1/reports/codes?${range}&partnerId=${somePartner}`,
      store.keys.merchant,
    );
    const partnerOrders = placed.filter((order) => order.partnerId === somePartner);
    expect(byPartner.body.rows.reduce((sum, row) => sum + row.orders, 0)).toBe(partnerOrders.length);
  });

  it("respects the range's edges: from included, to excluded", async () => {
    const oneDay = await json<ReportBody<CodeRow>>(
      "GET",
      `/v1/reports/codes?from=${FROM.toISOString()}&to=${new Date(FROM.getTime() + DAY).toISOString()}`,
      store.keys.merchant,
    );
    const expected = seeded.filter((order) => inRange(order, FROM, new Date(FROM.getTime() + DAY)));
    expect(expected.some((order) => order.confirmedAt?.getTime() === FROM.getTime())).toBe(true);
    expect(oneDay.body.totals.reduce((sum, total) => sum + total.orders, 0)).toBe(expected.length);
    const atTo = seeded.filter((order) => order.confirmedAt?.getTime() === TO.getTime());
    expect(atTo.length).toBeGreaterThan(0);
    const all = seeded.filter((order) => inRange(order));
    expect(all.some((order) => order.confirmedAt?.getTime() === TO.getTime())).toBe(false);
  });

  it("limits rows busiest first but keeps the totals whole", async () => {
    const full = await json<ReportBody<CodeRow>>("GET", `/v1/reports/codes?${range}`, store.keys.merchant);
    const limited = await json<ReportBody<CodeRow>>(
      "GET",
      `/v1/reports/codes?${range}&limit=2`,
      store.keys.merchant,
    );
    expect(limited.body.rows).toEqual(full.body.rows.slice(0, 2));
    expect(limited.body.truncated).toBe(true);
    expect(limited.body.totals).toEqual(full.body.totals);
    // The .xlsx says so too, in a last row after the two listed.
    const sheetRows = async (limit: number) => {
      const response = await call(
        "GET",
        `/v1/reports/codes?${range}&limit=${limit}&format=xlsx`,
        store.keys.merchant,
      );
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await response.arrayBuffer());
      const rows: unknown[] = [];
      workbook.getWorksheet("Report")?.eachRow((row) => {
        rows.push((row.values as unknown[])[1]);
      });
      return rows;
    };
    const cut = await sheetRows(2);
    expect(cut).toHaveLength(4);
    expect(cut[3]).toBe(
      "(more rows exist: only the busiest are listed, up to the request's limit; the totals cover them all)",
    );
    expect(await sheetRows(1_000)).toHaveLength(full.body.rows.length + 1);
  });

  it("names a partner deleted since by its id in the .xlsx, apart from the orders no partner drove", async () => {
    const fresh = await seedStore(ctx.db.database.prisma, "deleted-partner");
    const orders = await seed(fresh, "deleted", 120);
    const credited = orders.find((order) => order.partnerId !== null && inRange(order));
    const deletedId = String(credited?.partnerId);
    expect((await call("DELETE", `/v1/partners/${deletedId}`, fresh.keys.merchant)).status).toBe(204);
    const sheetOf = async (path: string, sheet: string) => {
      const response = await call("GET", path, fresh.keys.merchant);
      expect(response.status).toBe(200);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await response.arrayBuffer());
      const rows: unknown[][] = [];
      workbook.getWorksheet(sheet)?.eachRow((row) => {
        rows.push((row.values as unknown[]).slice(1));
      });
      return rows;
    };
    const labels = (await sheetOf(`/v1/reports/partners?${range}&format=xlsx`, "Report")).map(
      (row) => row[0],
    );
    expect(labels).toContain(`(deleted partner ${deletedId})`);
    expect(labels).toContain("(no partner)");
    const actions = await sheetOf(`/v1/reports/actions?${range}&format=xlsx`, "Actions");
    const partnerColumn = actions[0]?.indexOf("Partner") ?? -1;
    const reservationColumn = actions[0]?.indexOf("Reservation") ?? -1;
    const creditedAction = actions.find((row) => row[reservationColumn] === credited?.reservationId);
    expect(creditedAction?.[partnerColumn]).toBe(`(deleted partner ${deletedId})`);
  });

  it("answers the same rows and totals as .xlsx", async () => {
    for (const kind of ["codes", "partners"] as const) {
      const report = await json<ReportBody<CodeRow & PartnerRow>>(
        "GET",
        `/v1/reports/${kind}?${range}`,
        store.keys.merchant,
      );
      const response = await call("GET", `/v1/reports/${kind}?${range}&format=xlsx`, store.keys.merchant);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("spreadsheetml");
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await response.arrayBuffer());
      const values = (name: string) => {
        const sheet = workbook.getWorksheet(name);
        const rows: unknown[][] = [];
        sheet?.eachRow((row) => {
          rows.push((row.values as unknown[]).slice(1));
        });
        return rows;
      };
      const measures = (row: Measures) => [
        row.currency,
        row.orders,
        row.confirmed,
        row.cancelled,
        row.revenue,
        row.discount,
        row.accounts,
      ];
      const label = (row: CodeRow & PartnerRow) =>
        kind === "codes" ? [row.code, row.campaignName] : [row.partnerName ?? "(no partner)"];
      expect(values("Report").slice(1)).toEqual(
        report.body.rows.map((row) => [...label(row), ...measures(row)]),
      );
      expect(values("Totals").slice(1)).toEqual(report.body.totals.map(measures));
      expect(values("Report")[0]?.[0]).toBe(kind === "codes" ? "Code" : "Partner");
    }
  });

  it("adds sums past 2^53 - 1 exactly: every digit in JSON, the digits as text in .xlsx", async () => {
    const big = await seedStore(ctx.db.database.prisma, "bigsums");
    const campaign = await json<{ id: string }>("POST", "/v1/campaigns", big.keys.merchant, {
      name: "big sums",
      discount: { type: "fixed", amount: Number.MAX_SAFE_INTEGER },
      currency: "JPY",
      startsAt: "2026-10-01T00:00:00Z",
      endsAt: "2026-11-01T00:00:00Z",
      productIds: ["P"],
    });
    const code = await json<{ id: string }>(
      "POST",
      `/v1/campaigns/${campaign.body.id}/codes`,
      big.keys.merchant,
      {
        code: "BIGSUM1",
      },
    );
    // Three orders of 2^53 - 1 each, the largest amount the API takes: their sum is not a double.
    const most = BigInt(Number.MAX_SAFE_INTEGER);
    await ctx.db.database.prisma.reservation.createMany({
      data: [0, 1, 2].map((index) => ({
        id: randomUUID(),
        storeId: big.storeId,
        codeId: code.body.id,
        campaignId: campaign.body.id,
        codeInput: "BIGSUM1",
        codeKey: "BIGSUM1",
        accountId: `big-${index}`,
        memberGroups: [],
        partition: 0,
        sequence: BigInt(index + 1),
        status: "CONFIRMED" as const,
        currency: "JPY",
        cart: {},
        discount: most,
        lines: [],
        totals: {},
        orderNumber: `BIG-${index}`,
        orderTotal: most,
        acceptedAt: FROM,
        decidedAt: FROM,
        confirmedAt: FROM,
      })),
    });
    const exact = (3n * most).toString();
    const response = await call("GET", `/v1/reports/codes?${range}`, big.keys.merchant);
    expect(response.headers.get("content-type")).toContain("application/json");
    const text = await response.text();
    expect(exact).toBe("27021597764222973");
    expect(text).toContain(`"revenue":${exact},"discount":${exact},"accounts":3}`);
    // Amounts that fit stay plain numbers.
    expect(JSON.parse(text).totals[0]).toMatchObject({
      currency: "JPY",
      orders: 3,
      confirmed: 3,
      accounts: 3,
    });
    const xlsx = await call("GET", `/v1/reports/codes?${range}&format=xlsx`, big.keys.merchant);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    const totals = workbook.getWorksheet("Totals")?.getRow(2).values as unknown[];
    expect(totals.slice(1)).toEqual(["JPY", 3, 3, 0, exact, exact, 3]);
  });

  it("keeps stores apart", async () => {
    const mine = await json<ReportBody<CodeRow>>("GET", `/v1/reports/codes?${range}`, store.keys.merchant);
    const theirs = await json<ReportBody<CodeRow>>(
      "GET",
      `/v1/reports/codes?${range}`,
      otherStore.keys.merchant,
    );
    const mineIds = new Set(mine.body.rows.map((row) => row.codeId));
    expect(theirs.body.rows.length).toBeGreaterThan(0);
    expect(theirs.body.rows.some((row) => mineIds.has(row.codeId))).toBe(false);
    expect(theirs.body.rows.every((row) => row.code.startsWith("OTHER"))).toBe(true);
  });

  it("refuses bad ranges with field details, and keys without the merchant scope", async () => {
    for (const query of [
      "from=yesterday&to=2026-10-02T00:00:00Z",
      `from=${TO.toISOString()}&to=${FROM.toISOString()}`,
      "from=2025-01-01T00:00:00Z&to=2026-10-01T00:00:00Z",
      `${range}&format=pdf`,
      `${range}&limit=0`,
      `to=${TO.toISOString()}`,
    ]) {
      const response = await json<{ error: { code: string; details: { fields: { path: string }[] } } }>(
        "GET",
        `/v1/reports/codes?${query}`,
        store.keys.merchant,
      );
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      expect(response.body.error.details.fields.length, query).toBeGreaterThan(0);
    }
    expect((await call("GET", `/v1/reports/codes?${range}`, store.keys.checkout)).status).toBe(403);
  });

  it("refuses a query parameter it does not take, naming it, rather than report the whole store", async () => {
    for (const path of ["/v1/reports/codes", "/v1/reports/partners", "/v1/reports/actions"]) {
      const response = await json<{
        error: { code: string; details: { fields: { path: string; message: string }[] } };
      }>("GET", `${path}?${range}&campaign_id=${randomUUID()}`, store.keys.merchant);
      expect([path, response.status, response.body.error.details.fields]).toEqual([
        path,
        400,
        [{ path: "campaign_id", message: "is not a field of this request" }],
      ]);
    }
  });
});

type ActionItem = {
  reservationId: string;
  status: string;
  confirmedAt: string;
  cancelledAt: string | null;
  code: string;
  codeId: string | null;
  campaignId: string | null;
  campaignName: string | null;
  partnerId: string | null;
  partnerName: string | null;
  orderNumber: string;
  accountId: string;
  currency: string;
  orderTotal: number | null;
  discount: number;
};
type ActionPage = { from: string; to: string; items: ActionItem[]; nextCursor: string | null };

/** The listing computed from the seed: placed in the range, oldest first, ties by id. */
function expectedActions(orders: readonly SeededOrder[]): ActionItem[] {
  return orders
    .filter((order) => inRange(order))
    .sort(
      (a, b) =>
        (a.confirmedAt?.getTime() ?? 0) - (b.confirmedAt?.getTime() ?? 0) ||
        a.reservationId.localeCompare(b.reservationId),
    )
    .map((order) => ({
      reservationId: order.reservationId,
      status: order.status,
      confirmedAt: order.confirmedAt?.toISOString() ?? "",
      cancelledAt: order.cancelledAt?.toISOString() ?? null,
      code: codes.get(order.codeId)?.code ?? "",
      codeId: order.codeId,
      campaignId: order.campaignId,
      campaignName: codes.get(order.codeId)?.campaignName ?? null,
      partnerId: order.partnerId,
      partnerName: order.partnerId ? (partners.get(order.partnerId) ?? null) : null,
      orderNumber: order.orderNumber ?? "",
      accountId: order.accountId,
      currency: order.currency,
      orderTotal: order.orderTotal,
      discount: order.discount,
    }));
}

/** Every page of the listing, following nextCursor. */
async function allActions(query: string, key: string, limit: number): Promise<ActionItem[]> {
  const items: ActionItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const path: string = `/v1/reports/actions?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const response = await json<ActionPage>("GET", path, key);
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error("the listing did not end");
}

describe("action listing", () => {
  it("lists every confirmed or cancelled redemption placed in the range, oldest first, across pages", async () => {
    const expected = expectedActions(seeded);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.some((action) => action.status === "CANCELLED")).toBe(true);
    // Orders placed exactly at `from` are in, exactly at `to` out.
    expect(expected.some((action) => action.confirmedAt === FROM.toISOString())).toBe(true);
    expect(expected.some((action) => action.confirmedAt === TO.toISOString())).toBe(false);
    expect(await allActions(range, store.keys.merchant, 97)).toEqual(expected);
    const one = await json<ActionPage>("GET", `/v1/reports/actions?${range}`, store.keys.merchant);
    expect(one.body.items).toEqual(expected);
    expect(one.body.nextCursor).toBeNull();
    expect(one.body.from).toBe(FROM.toISOString());
  });

  it("filters by campaign and by partner, and keeps stores apart", async () => {
    const someCampaign = expectedActions(seeded)[0]?.campaignId ?? "";
    const byCampaign = await allActions(`${range}&campaignId=${someCampaign}`, store.keys.merchant, 50);
    expect(byCampaign).toEqual(
      expectedActions(seeded).filter((action) => action.campaignId === someCampaign),
    );
    const somePartner = expectedActions(seeded).find((action) => action.partnerId !== null)?.partnerId ?? "";
    const byPartner = await allActions(`${range}&partnerId=${somePartner}`, store.keys.merchant, 50);
    expect(byPartner).toEqual(expectedActions(seeded).filter((action) => action.partnerId === somePartner));
    expect(await allActions(range, otherStore.keys.merchant, 500)).toEqual(expectedActions(otherSeeded));
    // Another store's campaign, or none, is not there: 404 naming the filter, in every report, rather
    // than an empty answer that reads as "no sales".
    const otherCampaign = expectedActions(otherSeeded)[0]?.campaignId ?? "";
    for (const campaignId of [otherCampaign, "00000000-0000-4000-8000-000000000000"]) {
      for (const path of ["/v1/reports/actions", "/v1/reports/codes", "/v1/reports/partners"]) {
        const answer = await json<{ error: { code: string; details: unknown } }>(
          "GET",
          `${path}?${range}&campaignId=${campaignId}`,
          store.keys.merchant,
        );
        expect([answer.status, answer.body.error.code, answer.body.error.details], path).toEqual([
          404,
          "NOT_FOUND",
          { field: "campaignId", id: campaignId },
        ]);
      }
    }
  });

  it("as .xlsx holds every action of the range, the same as the JSON pages", async () => {
    const response = await call("GET", `/v1/reports/actions?${range}&format=xlsx`, store.keys.merchant);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain("actions-2026-10-03-2026-10-08.xlsx");
    // Named by the days as the range was written, not as they fall in UTC.
    const local = await call(
      "GET",
      "/v1/reports/codes?from=2026-10-04T00:00:00%2B08:00&to=2026-10-09T00:00:00%2B08:00&format=xlsx",
      store.keys.merchant,
    );
    expect(local.headers.get("content-disposition")).toBe(
      'attachment; filename="codes-2026-10-04-2026-10-09.xlsx"',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheet = workbook.getWorksheet("Actions");
    const rows: unknown[][] = [];
    sheet?.eachRow((row) => {
      rows.push((row.values as unknown[]).slice(1));
    });
    expect(rows[0]).toEqual([
      "Placed at",
      "Status",
      "Cancelled at",
      "Code",
      "Campaign",
      "Partner",
      "Order number",
      "Account",
      "Currency",
      "Order total (minor units)",
      "Discount (minor units)",
      "Reservation",
    ]);
    const expected = expectedActions(seeded);
    expect(rows.slice(1)).toEqual(
      expected.map((action) => {
        const cells = [
          action.confirmedAt,
          action.status,
          action.cancelledAt,
          action.code,
          action.campaignName,
          action.partnerName,
          action.orderNumber,
          action.accountId,
          action.currency,
          action.orderTotal,
          action.discount,
          action.reservationId,
        ];
        // exceljs leaves an empty cell out of row.values.
        return cells.map((cell) => (cell === null ? undefined : cell));
      }),
    );
  });

  it("refuses a cursor it did not make and a bad range", async () => {
    const bad = await json<{ error: { code: string; details: unknown } }>(
      "GET",
      `/v1/reports/actions?${range}&cursor=not-a-cursor`,
      store.keys.merchant,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
    // Well-formed but forged: a time no Date can hold.
    const forged = Buffer.from(JSON.stringify([1e20, randomUUID()])).toString("base64url");
    const outOfRange = await call(
      "GET",
      `/v1/reports/actions?${range}&cursor=${forged}`,
      store.keys.merchant,
    );
    expect(outOfRange.status).toBe(400);
    // A real cursor, reused with another filter or by another store: another listing's, refused
    // (taken, another campaign's page answered nothing, or rows after a point of another list).
    const first = await json<ActionPage>("GET", `/v1/reports/actions?${range}&limit=1`, store.keys.merchant);
    const cursor = String(first.body.nextCursor);
    const someCampaign = expectedActions(seeded)[0]?.campaignId ?? "";
    for (const [query, key] of [
      [`${range}&limit=1&campaignId=${someCampaign}`, store.keys.merchant],
      [
        `from=${new Date(FROM.getTime() + 1).toISOString()}&to=${TO.toISOString()}&limit=1`,
        store.keys.merchant,
      ],
      [`${range}&limit=1`, otherStore.keys.merchant],
    ] as const) {
      const reused = await json<{ error: { code: string; details: unknown } }>(
        "GET",
        `/v1/reports/actions?${query}&cursor=${cursor}`,
        key,
      );
      expect([reused.status, reused.body.error.details], query).toEqual([
        400,
        { fields: [{ path: "cursor", message: "unknown cursor" }] },
      ]);
    }
    expect(
      (await call("GET", `/v1/reports/actions?${range}&limit=1&cursor=${cursor}`, store.keys.merchant))
        .status,
    ).toBe(200);
    const backwards = await json<{ error: { code: string } }>(
      "GET",
      `/v1/reports/actions?from=${TO.toISOString()}&to=${FROM.toISOString()}`,
      store.keys.merchant,
    );
    expect(backwards.status).toBe(400);
    const checkoutKey = await call("GET", `/v1/reports/actions?${range}`, store.keys.checkout);
    expect(checkoutKey.status).toBe(403);
  });

  it("refuses a page's limit or cursor with format=xlsx, which holds every action, rather than ignore them", async () => {
    const paged = await json<{ error: { code: string; details: unknown } }>(
      "GET",
      `/v1/reports/actions?${range}&format=xlsx&limit=5&cursor=abc`,
      store.keys.merchant,
    );
    const message = "is for format=json pages: an .xlsx holds every action of the range";
    expect([paged.status, paged.body.error.details]).toEqual([
      400,
      {
        fields: [
          { path: "limit", message },
          { path: "cursor", message },
        ],
      },
    ]);
    // An empty cursor is no cursor, as on every list.
    const whole = await call("GET", `/v1/reports/actions?${range}&format=xlsx&cursor=`, store.keys.merchant);
    expect(whole.status).toBe(200);
    await whole.arrayBuffer();
  });
});
