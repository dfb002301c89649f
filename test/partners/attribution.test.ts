// Partners, tracking rules and attribution (SPEC §7) end to end: gateway, reservation worker, order
// consumer and outbox relay as separate processes on real PostgreSQL, Redis and Kafka.
import { createTestContext, eventually, type SeededStore, seedStore, type TestContext } from "@promo/testing";
import type { Kafka, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectTopic,
  connectedProducer,
  orderPlaced,
  sendEvent,
  testKafka,
  waitForTopics,
} from "../support/kafka.ts";
import { api, createLiveCampaign, holdCode, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
let other: SeededStore;
let kafka: Kafka;
let producer: Producer;
let redemptions: Awaited<ReturnType<typeof collectTopic>>;
let gatewayUrl: string;

type Partner = { id: string; name: string; kind: string; createdAt: string; updatedAt: string };
type Rule = { id: string; partnerId: string; pattern: string; priority: number; createdAt: string };
type ErrorAnswer = { error: { code: string; details?: Record<string, unknown> } };
type RedemptionEvent = { type: string; reservationId: string; partnerId?: string | null };

beforeAll(async () => {
  ctx = await createTestContext("partners");
  system = await startSystem(ctx, { gateways: 1, workers: 1 });
  system.startProcess("order-consumer", "order-consumer");
  system.startProcess("outbox-relay", "outbox-relay");
  gatewayUrl = system.gateways[0]?.url ?? "";
  other = await seedStore(ctx.db.database.prisma, "other");
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
  await waitForTopics(
    kafka,
    [ctx.topics.orders, ctx.topics.redemptions],
    "the services to create their topics",
  );
  producer = await connectedProducer(kafka);
  redemptions = await collectTopic(kafka, ctx.topics.redemptions);
});

afterAll(async () => {
  await redemptions?.stop();
  await producer?.disconnect();
  await system?.stop();
  await ctx?.cleanup();
});

function merchant<T = Record<string, unknown>>(method: string, path: string, body?: unknown, key?: string) {
  return api<T>(gatewayUrl, key ?? system.store.keys.merchant, method, path, body);
}

let serial = 0;
function uniqueCode(prefix: string): string {
  serial += 1;
  return `${prefix}${serial}${Date.now().toString(36).toUpperCase()}`;
}

async function createPartner(name: string, kind = "creator", key?: string): Promise<Partner> {
  const created = await merchant<Partner>("POST", "/v1/partners", { name, kind }, key);
  expect(created.status).toBe(201);
  return created.body;
}

async function addRule(partnerId: string, pattern: string, priority = 0): Promise<Rule> {
  const created = await merchant<Rule>("POST", `/v1/partners/${partnerId}/rules`, { pattern, priority });
  expect(created.status).toBe(201);
  return created.body;
}

/** A live campaign (optionally tied to a partner) with one code (optionally tied to a partner). */
async function liveCode(
  prefix: string,
  partners: { campaign?: string; code?: string } = {},
): Promise<{ code: string; campaignId: string }> {
  const code = uniqueCode(prefix);
  const now = Date.now();
  const campaign = await merchant<{ id: string }>("POST", "/v1/campaigns", {
    name: `Campaign ${code}`,
    discount: { type: "fixed", amount: 100 },
    currency: "TWD",
    startsAt: new Date(now - 3_600_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    productIds: ["P-1"],
    partnerId: partners.campaign ?? null,
  });
  expect(campaign.status).toBe(201);
  const created = await merchant("POST", `/v1/campaigns/${campaign.body.id}/codes`, {
    code,
    ...(partners.code ? { partnerId: partners.code } : {}),
  });
  expect(created.status).toBe(201);
  expect(created.body.partnerId).toBe(partners.code ?? null);
  return { code, campaignId: campaign.body.id };
}

function reserve(code: string, accountId: string): Promise<string> {
  return holdCode(gatewayUrl, system.store.keys.checkout, code, accountId);
}

async function confirmOverHttp(reservationId: string, orderNumber: string): Promise<string | null> {
  const confirmed = await api<{ status: string; partnerId: string | null }>(
    gatewayUrl,
    system.store.keys.checkout,
    "POST",
    `/v1/reservations/${reservationId}/confirm`,
    { orderNumber },
  );
  expect(confirmed.status).toBe(200);
  expect(confirmed.body.status).toBe("CONFIRMED");
  return confirmed.body.partnerId;
}

async function confirmedEvent(reservationId: string): Promise<RedemptionEvent> {
  return eventually(
    async () =>
      redemptions
        .json<RedemptionEvent>()
        .find((event) => event.reservationId === reservationId && event.type === "reservation.confirmed"),
    `reservation.confirmed for ${reservationId}`,
    60_000,
  );
}

async function lookupPartnerOf(code: string, reservationId: string): Promise<string | null | undefined> {
  const lookup = await merchant<{ items: { reservations: { id: string; partnerId: string | null }[] }[] }>(
    "GET",
    `/v1/codes/${code}`,
  );
  expect(lookup.status).toBe(200);
  return lookup.body.items[0]?.reservations.find((entry) => entry.id === reservationId)?.partnerId;
}

describe("attribution at confirm time", () => {
  it("credits a code matching a tracking rule to the rule's partner (order.placed over Kafka)", async () => {
    const amy = await createPartner("Amy");
    await addRule(amy.id, "AMY[0-9A-Z]+");
    const { code } = await liveCode("AMY");
    const reservationId = await reserve(code, "buyer-rule");
    await sendEvent(
      producer,
      ctx.topics.orders,
      "o-1",
      orderPlaced({
        storeId: system.store.storeId,
        reservationId,
        accountId: "buyer-rule",
        orderNumber: "ORDER-RULE-1",
      }),
    );
    expect((await confirmedEvent(reservationId)).partnerId).toBe(amy.id);
    expect(await lookupPartnerOf(code, reservationId)).toBe(amy.id);
  });

  it("prefers the code's partner, then the campaign's, then the rule's; no match credits nobody", async () => {
    const [codePartner, campaignPartner, rulePartner] = [
      await createPartner("Code partner", "affiliate"),
      await createPartner("Campaign partner", "media"),
      await createPartner("Rule partner"),
    ];
    await addRule(rulePartner.id, "PREC[0-9A-Z]+");
    const cases = [
      { partners: { code: codePartner.id, campaign: campaignPartner.id }, expected: codePartner.id },
      { partners: { campaign: campaignPartner.id }, expected: campaignPartner.id },
      { partners: {}, expected: rulePartner.id },
    ];
    for (const [index, entry] of cases.entries()) {
      const { code } = await liveCode("PREC", entry.partners);
      const reservationId = await reserve(code, `buyer-prec-${index}`);
      expect(await confirmOverHttp(reservationId, `ORDER-PREC-${index}`)).toBe(entry.expected);
      expect((await confirmedEvent(reservationId)).partnerId).toBe(entry.expected);
      expect(await lookupPartnerOf(code, reservationId)).toBe(entry.expected);
    }
    const { code } = await liveCode("NOBODY");
    const reservationId = await reserve(code, "buyer-nobody");
    expect(await confirmOverHttp(reservationId, "ORDER-NOBODY")).toBeNull();
    expect((await confirmedEvent(reservationId)).partnerId).toBeNull();
  });

  it("uses the rules as they are when the order is confirmed, lower priority first", async () => {
    const { code } = await liveCode("LATER");
    const reservationId = await reserve(code, "buyer-later");
    const broad = await createPartner("Broad later");
    const narrow = await createPartner("Narrow later");
    await addRule(broad.id, "LATER.*", 10);
    await addRule(narrow.id, "LATER[0-9]+[0-9A-Z]*", 5);
    expect(await confirmOverHttp(reservationId, "ORDER-LATER")).toBe(narrow.id);
    expect((await confirmedEvent(reservationId)).partnerId).toBe(narrow.id);
  });

  it("never uses another store's partner or rules", async () => {
    const foreign = await createPartner("Foreign catch-all", "media", other.keys.merchant);
    const foreignRule = await api<Rule>(
      gatewayUrl,
      other.keys.merchant,
      "POST",
      `/v1/partners/${foreign.id}/rules`,
      {
        pattern: ".*",
      },
    );
    expect(foreignRule.status).toBe(201);
    const { code } = await liveCode("ISLAND");
    const reservationId = await reserve(code, "buyer-island");
    expect(await confirmOverHttp(reservationId, "ORDER-ISLAND")).toBeNull();

    for (const [method, path, body] of [
      ["GET", `/v1/partners/${foreign.id}`, undefined],
      ["PATCH", `/v1/partners/${foreign.id}`, { name: "Mine now" }],
      ["DELETE", `/v1/partners/${foreign.id}`, undefined],
      ["GET", `/v1/partners/${foreign.id}/rules`, undefined],
      ["POST", `/v1/partners/${foreign.id}/rules`, { pattern: "X.*" }],
      ["DELETE", `/v1/partners/${foreign.id}/rules/${foreignRule.body.id}`, undefined],
    ] as const) {
      const answer = await merchant<ErrorAnswer>(method, path, body);
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 404, "NOT_FOUND"]);
    }
    const listed = await merchant<{ items: Partner[] }>("GET", "/v1/partners?limit=500");
    expect(listed.body.items.map((partner) => partner.id)).not.toContain(foreign.id);

    const campaign = await merchant<ErrorAnswer>("POST", "/v1/campaigns", {
      name: "Borrowed partner",
      discount: { type: "fixed", amount: 100 },
      currency: "TWD",
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: "2027-01-01T00:00:00Z",
      productIds: ["P-1"],
      partnerId: foreign.id,
    });
    expect([campaign.status, campaign.body.error.code]).toEqual([404, "NOT_FOUND"]);
    const { campaignId } = await liveCode("OWN");
    const code2 = await merchant<ErrorAnswer>("POST", `/v1/campaigns/${campaignId}/codes`, {
      code: uniqueCode("BORROW"),
      partnerId: foreign.id,
    });
    expect([code2.status, code2.body.error.code, code2.body.error.details]).toEqual([
      404,
      "NOT_FOUND",
      { field: "partnerId", id: foreign.id },
    ]);
    const patched = await merchant<ErrorAnswer>("PATCH", `/v1/campaigns/${campaignId}`, {
      partnerId: foreign.id,
    });
    expect([patched.status, patched.body.error.code]).toEqual([404, "NOT_FOUND"]);
    // The other store still sees its own partner untouched.
    const own = await api<Partner>(gatewayUrl, other.keys.merchant, "GET", `/v1/partners/${foreign.id}`);
    expect(own.body.name).toBe("Foreign catch-all");
  });
});

describe("partners CRUD", () => {
  it("creates, reads, renames, pages and deletes partners", async () => {
    const created = await createPartner("Crud one", "affiliate");
    expect(created).toMatchObject({ name: "Crud one", kind: "affiliate" });
    expect((await merchant<Partner>("GET", `/v1/partners/${created.id}`)).body).toEqual(created);
    const renamed = await merchant<Partner>("PATCH", `/v1/partners/${created.id}`, {
      name: "Crud uno",
      kind: "media",
    });
    expect([renamed.status, renamed.body.name, renamed.body.kind]).toEqual([200, "Crud uno", "media"]);

    await createPartner("Crud two");
    await createPartner("Crud three");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Partner[]; nextCursor: string | null } } = await merchant(
        "GET",
        `/v1/partners?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((partner) => partner.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(["Crud uno", "Crud two", "Crud three"]));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.indexOf("Crud three")).toBeLessThan(seen.indexOf("Crud uno"));

    const removed = await merchant("DELETE", `/v1/partners/${created.id}`);
    expect(removed.status).toBe(204);
    expect((await merchant("GET", `/v1/partners/${created.id}`)).status).toBe(404);
    expect((await merchant("DELETE", `/v1/partners/${created.id}`)).status).toBe(404);
  });

  it("deletes a partner while a code tied to it is added to its campaign: one goes first, never a deadlock", async () => {
    const { campaignId } = await createLiveCampaign(gatewayUrl, system.store.keys.merchant, {
      code: uniqueCode("RACEBASE"),
      usageLimit: null,
      oncePerAccount: false,
    });
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const partner = await createPartner(`Racing ${round}`);
      expect((await merchant("PATCH", `/v1/campaigns/${campaignId}`, { partnerId: partner.id })).status).toBe(
        200,
      );
      const [added, deleted] = await Promise.all([
        merchant("POST", `/v1/campaigns/${campaignId}/codes`, {
          code: uniqueCode("RACE"),
          partnerId: partner.id,
        }),
        merchant("DELETE", `/v1/partners/${partner.id}`),
      ]);
      outcomes.push(`${added.status}/${deleted.status}`);
    }
    // The code is added with its partner (then untied by the delete), or finds the partner gone: 404.
    expect(outcomes.filter((outcome) => !["201/204", "404/204"].includes(outcome))).toEqual([]);
  });

  it("refuses a duplicate name in the store with 409 PARTNER_NAME_TAKEN, but not in another store", async () => {
    await createPartner("Taken name");
    const again = await merchant<ErrorAnswer>("POST", "/v1/partners", { name: "Taken name", kind: "media" });
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([
      409,
      "PARTNER_NAME_TAKEN",
      { field: "name", name: "Taken name" },
    ]);
    const second = await createPartner("Second name");
    const rename = await merchant<ErrorAnswer>("PATCH", `/v1/partners/${second.id}`, { name: "Taken name" });
    expect([rename.status, rename.body.error.code]).toEqual([409, "PARTNER_NAME_TAKEN"]);
    await createPartner("Taken name", "creator", other.keys.merchant);
    // One name however its accents were typed: kept in Unicode's composed form.
    const composed = await createPartner("Caf\u00e9 Media");
    expect(composed.name).toBe("Caf\u00e9 Media");
    const decomposed = await merchant<ErrorAnswer>("POST", "/v1/partners", {
      name: "Cafe\u0301 Media",
      kind: "media",
    });
    expect([decomposed.status, decomposed.body.error.details]).toEqual([
      409,
      { field: "name", name: "Caf\u00e9 Media" },
    ]);
  });

  it("validates bodies, ids and cursors with 400 and field details", async () => {
    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/partners", { name: "No kind" }, "kind"],
      ["POST", "/v1/partners", { name: "Bad kind", kind: "influencer" }, "kind"],
      ["POST", "/v1/partners", { name: "   ", kind: "media" }, "name"],
      ["POST", "/v1/partners", { name: "\u200b", kind: "media" }, "name"],
      ["PATCH", "/v1/partners/00000000-0000-4000-8000-000000000000", { name: " \u200b\u2060 " }, "name"],
      ["POST", "/v1/partners", { name: "Extra", kind: "media", color: "red" }, "color"],
      ["PATCH", "/v1/partners/00000000-0000-4000-8000-000000000000", {}, "(body)"],
      ["GET", "/v1/partners/not-a-uuid", undefined, "id"],
      ["GET", "/v1/partners?cursor=bogus", undefined, "cursor"],
      ["GET", "/v1/partners?limit=0", undefined, "limit"],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await merchant<{ error: { code: string; details: { fields: { path: string }[] } } }>(
        method,
        path,
        body,
      );
      expect([method, path, answer.status, answer.body.error.code]).toEqual([
        method,
        path,
        400,
        "VALIDATION_ERROR",
      ]);
      expect(answer.body.error.details.fields.map((entry) => entry.path)).toContain(field);
    }
    const checkoutKey = await api(gatewayUrl, system.store.keys.checkout, "GET", "/v1/partners");
    expect(checkoutKey.status).toBe(403);
  });
});

describe("tracking rules", () => {
  it("tests the samples on save and lists each result; a sample that differs refuses the rule, naming it", async () => {
    const partner = await createPartner("Sampled");
    const saved = await merchant<Rule & { samples: { code: string; expected: boolean; matched: boolean }[] }>(
      "POST",
      `/v1/partners/${partner.id}/rules`,
      {
        pattern: "^SAM[0-9]{4}$",
        samples: [
          { code: "SAM2024", expected: true },
          { code: "sam2025", expected: true },
          { code: "XSAM2024", expected: false },
        ],
      },
    );
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ partnerId: partner.id, pattern: "^SAM[0-9]{4}$", priority: 0 });
    expect(saved.body.samples).toEqual([
      { code: "SAM2024", expected: true, matched: true },
      { code: "sam2025", expected: true, matched: true },
      { code: "XSAM2024", expected: false, matched: false },
    ]);

    const refused = await merchant<{
      error: { code: string; details: { fields: { path: string; message: string }[] } };
    }>("POST", `/v1/partners/${partner.id}/rules`, {
      pattern: "SAM[0-9]+",
      samples: [
        { code: "SAM1", expected: true },
        { code: "SAMX", expected: true },
      ],
    });
    expect([refused.status, refused.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
    expect(refused.body.error.details.fields).toEqual([
      { path: "samples.1", message: "SAMX was expected to match but did not" },
    ]);
    const rules = await merchant<{ items: Rule[] }>("GET", `/v1/partners/${partner.id}/rules`);
    expect(rules.body.items.map((rule) => rule.pattern)).toEqual(["^SAM[0-9]{4}$"]);
  });

  it("refuses unsupported or invalid syntax with the reason, and takes patterns that defeat backtracking engines", async () => {
    const partner = await createPartner("Patterns");
    for (const [pattern, reason] of [
      ["(A)\\1", "invalid escape sequence"],
      ["(?=A)A+", "unsupported Perl syntax"],
      ["A[0-9", "missing closing ]"],
      ["A".repeat(201), "200"],
      ["(?-i)SAM[a-z]+", "may not turn off ignoring letter case"],
      ["(?:\\pL{0,9}\\pN{0,9}){0,99}AMY", "too complex"],
    ]) {
      const answer = await merchant<{
        error: { code: string; details: { fields: { path: string; message: string }[] } };
      }>("POST", `/v1/partners/${partner.id}/rules`, { pattern });
      expect([pattern, answer.status, answer.body.error.code]).toEqual([pattern, 400, "VALIDATION_ERROR"]);
      expect(answer.body.error.details.fields[0]?.path).toBe("pattern");
      expect(answer.body.error.details.fields[0]?.message).toContain(reason);
    }
    const evil = await merchant<{ samples: { matched: boolean }[] }>(
      "POST",
      `/v1/partners/${partner.id}/rules`,
      {
        pattern: "(A+)+$",
        samples: [
          { code: `${"A".repeat(63)}!`, expected: false },
          { code: "AAAAAA", expected: true },
        ],
      },
    );
    expect(evil.status).toBe(201);
    expect(evil.body.samples.map((sample) => sample.matched)).toEqual([false, true]);
  });

  it("takes at most 200 rules per store, also when rules are added at the same time", async () => {
    const capped = await seedStore(ctx.db.database.prisma, "capped");
    const partner = await createPartner("Capped", "creator", capped.keys.merchant);
    await ctx.db.database.prisma.partnerRule.createMany({
      data: Array.from({ length: 198 }, (_, index) => ({
        storeId: capped.storeId,
        partnerId: partner.id,
        pattern: `CAP${index}[0-9]+`,
        priority: index,
      })),
    });
    const addCapped = (pattern: string) =>
      merchant<Rule & ErrorAnswer>(
        "POST",
        `/v1/partners/${partner.id}/rules`,
        { pattern },
        capped.keys.merchant,
      );
    const racing = await Promise.all(
      ["RACE1[0-9]+", "RACE2[0-9]+", "RACE3[0-9]+", "RACE4[0-9]+"].map(addCapped),
    );
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 201, 422, 422]);
    const refused = racing.find((answer) => answer.status === 422);
    expect(refused?.body.error).toMatchObject({
      code: "TRACKING_RULE_LIMIT_REACHED",
      details: { limit: 200 },
    });
    expect(await ctx.db.database.prisma.partnerRule.count({ where: { storeId: capped.storeId } })).toBe(200);
    // Another store's rules are its own.
    expect((await addRule((await createPartner("Uncapped")).id, "FREE[0-9]+")).pattern).toBe("FREE[0-9]+");
  });

  it("lists rules in the order they are tried and deletes them", async () => {
    const partner = await createPartner("Ordered");
    const late = await addRule(partner.id, "ORD.*", 3);
    const early = await addRule(partner.id, "ORD[0-9]+", -1);
    const listed = await merchant<{ items: Rule[] }>("GET", `/v1/partners/${partner.id}/rules`);
    expect(listed.body.items.map((rule) => rule.id)).toEqual([early.id, late.id]);
    expect((await merchant("DELETE", `/v1/partners/${partner.id}/rules/${early.id}`)).status).toBe(204);
    expect((await merchant("DELETE", `/v1/partners/${partner.id}/rules/${early.id}`)).status).toBe(404);
    const after = await merchant<{ items: Rule[] }>("GET", `/v1/partners/${partner.id}/rules`);
    expect(after.body.items.map((rule) => rule.id)).toEqual([late.id]);
    const unknown = await merchant("GET", "/v1/partners/00000000-0000-4000-8000-000000000000/rules");
    expect(unknown.status).toBe(404);
  });
});
