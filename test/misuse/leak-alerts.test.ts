// Leak alerts (docs/api.md "Misuse monitoring"): a burst of holds over a campaign's velocity, or mostly
// outside-group attempts on a member-only code, raise exactly one alert per code, kind and window,
// listed at GET /v1/alerts and published once as alert.raised on promo.alerts. Gateway, reservation
// worker and outbox relay as separate processes on real PostgreSQL, Redis and Kafka.
import { createTestContext, eventually, seedStore, type TestContext } from "@promo/testing";
import type { Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectTopic, testKafka, waitForTopics } from "../support/kafka.ts";
import { api, FLASH_CART, type System, startSystem } from "../support/system.ts";

const VELOCITY_LIMIT = 5;
const OUTSIDE_MIN_ACCOUNTS = 6;

let ctx: TestContext;
let system: System;
let kafka: Kafka;
let alertsTopic: Awaited<ReturnType<typeof collectTopic>>;
let gatewayUrl: string;

type Alert = {
  id: string;
  kind: string;
  code: string;
  codeId: string;
  campaignId: string;
  windowStart: string;
  windowEnd: string;
  observed: number;
  threshold: number;
  details: Record<string, unknown>;
};
type AlertPage = { items: Alert[]; nextCursor: string | null };
type AlertEvent = Alert & { type: string; alertId: string; storeId: string; eventId: string };

beforeAll(async () => {
  ctx = await createTestContext("misuse-alerts");
  system = await startSystem(ctx, {
    gateways: 1,
    workers: 1,
    env: {
      OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS: String(OUTSIDE_MIN_ACCOUNTS),
      OUTSIDE_GROUPS_ALERT_PERCENT: "50",
      OUTSIDE_GROUPS_ALERT_WINDOW_SECONDS: "3600",
      // Outside-group refusals are failed attempts too; this file is about alerts, not the guess limit.
      GUESS_LIMIT_PER_ACCOUNT: "0",
      GUESS_LIMIT_PER_IP: "0",
    },
  });
  system.startProcess("outbox-relay", "outbox-relay", { OUTBOX_IDLE_POLL_MS: "20" });
  gatewayUrl = system.gateways[0]?.url ?? "";
  kafka = testKafka(ctx.env.KAFKA_BROKERS);
  await waitForTopics(kafka, [ctx.topics.alerts], "the relay to create its topics");
  alertsTopic = await collectTopic(kafka, ctx.topics.alerts);
});

afterAll(async () => {
  await alertsTopic?.stop();
  await system?.stop();
  await ctx?.cleanup();
});

function merchant<T>(path: string, key = system.store.keys.merchant) {
  return api<T>(gatewayUrl, key, "GET", path);
}

/**
 * A campaign that started a second ago (its first monitoring window holds the whole test, unless
 * `startedMsAgo` says otherwise), with one code.
 */
async function createCampaign(input: {
  code: string;
  memberGroups?: string[];
  velocityAlert?: { limit: number; windowSeconds: number };
  startedMsAgo?: number;
}): Promise<{ campaignId: string }> {
  const now = Date.now();
  const campaign = await api<{ id: string; velocityAlert: unknown }>(
    gatewayUrl,
    system.store.keys.merchant,
    "POST",
    "/v1/campaigns",
    {
      name: `Monitored ${input.code}`,
      discount: { type: "fixed", amount: 100 },
      currency: "TWD",
      startsAt: new Date(now - (input.startedMsAgo ?? 1_000)).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      productIds: ["P-1"],
      memberGroups: input.memberGroups ?? [],
      ...(input.velocityAlert ? { velocityAlert: input.velocityAlert } : {}),
    },
  );
  expect(campaign.status).toBe(201);
  expect(campaign.body.velocityAlert).toEqual(input.velocityAlert ?? null);
  const code = await api(
    gatewayUrl,
    system.store.keys.merchant,
    "POST",
    `/v1/campaigns/${campaign.body.id}/codes`,
    { code: input.code },
  );
  expect(code.status).toBe(201);
  return { campaignId: campaign.body.id };
}

function reserve(code: string, accountId: string, memberGroups: string[] = []) {
  return api<{ id?: string; status?: string; error?: { code: string } }>(
    gatewayUrl,
    system.store.keys.checkout,
    "POST",
    "/v1/reservations?wait=30000",
    { code, accountId, memberGroups, cart: FLASH_CART },
  );
}

/** `count` holds of the code at once, by accounts `<prefix>-<n>`: each is granted. */
async function grantAll(code: string, prefix: string, count: number): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, index) => reserve(code, `${prefix}-${index}`)),
  );
  expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
}

/** PATCH of the campaign as its merchant: answered 200. */
async function changeCampaign(campaignId: string, change: Record<string, unknown>): Promise<void> {
  const changed = await api(
    gatewayUrl,
    system.store.keys.merchant,
    "PATCH",
    `/v1/campaigns/${campaignId}`,
    change,
  );
  expect(changed.status).toBe(200);
}

/** Every outbox row is on Kafka, so the topic holds everything the system will ever say. */
async function outboxDrained(): Promise<void> {
  await eventually(
    async () => (await ctx.db.database.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0,
    "the relay to publish every outbox row",
  );
}

async function alertEventsFor(code: string, count: number): Promise<AlertEvent[]> {
  await outboxDrained();
  const outboxRows = await ctx.db.database.prisma.outboxEvent.count({
    where: { topic: "promo.alerts", key: code.toUpperCase() },
  });
  expect(outboxRows).toBe(count);
  return eventually(async () => {
    const events = alertsTopic.json<AlertEvent>().filter((event) => event.code === code);
    return events.length >= count ? events : null;
  }, `${count} alert.raised for ${code} on Kafka`);
}

describe("velocity alert", () => {
  it("a burst over the velocity threshold raises exactly one alert, by API and on promo.alerts", async () => {
    const code = `VELO${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createCampaign({
      code,
      velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 3600 },
    });

    await grantAll(code, "burst", 4 * VELOCITY_LIMIT);
    // A second burst in the same window adds holds, not alerts.
    await grantAll(code, "more", VELOCITY_LIMIT);

    const page = await merchant<AlertPage>(`/v1/alerts?code=${code.toLowerCase()}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    const [alert] = page.body.items;
    expect(alert).toMatchObject({ kind: "velocity", code, campaignId, threshold: VELOCITY_LIMIT });
    expect(alert?.observed).toBeGreaterThan(VELOCITY_LIMIT);
    expect(Date.parse(String(alert?.windowEnd)) - Date.parse(String(alert?.windowStart))).toBe(3_600_000);

    const events = await alertEventsFor(code, 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "alert.raised",
      alertId: alert?.id,
      storeId: system.store.storeId,
      kind: "velocity",
      observed: alert?.observed,
      threshold: VELOCITY_LIMIT,
    });
    const message = alertsTopic.messages.find((entry) => entry.value.includes(String(alert?.id)));
    expect(message?.key).toBe(code.toUpperCase());
  });

  it("holds up to the threshold raise nothing; a campaign without velocityAlert is not monitored", async () => {
    const calm = `CALM${Date.now().toString(36).toUpperCase()}`;
    await createCampaign({ code: calm, velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 3600 } });
    const unmonitored = `FREE${Date.now().toString(36).toUpperCase()}`;
    await createCampaign({ code: unmonitored });
    await Promise.all([
      ...Array.from({ length: VELOCITY_LIMIT }, (_, index) => reserve(calm, `calm-${index}`)),
      ...Array.from({ length: 3 * VELOCITY_LIMIT }, (_, index) => reserve(unmonitored, `free-${index}`)),
    ]);
    await alertEventsFor(calm, 0);
    await alertEventsFor(unmonitored, 0);
    for (const code of [calm, unmonitored]) {
      expect((await merchant<AlertPage>(`/v1/alerts?code=${code}`)).body.items).toEqual([]);
    }
  });
});

describe("velocityAlert on the campaign", () => {
  it("is changed and turned off by PATCH; bad settings are 400 with the field", async () => {
    const code = `EDIT${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createCampaign({ code, velocityAlert: { limit: 3, windowSeconds: 600 } });
    const patch = (body: unknown) =>
      api<{ velocityAlert: unknown; error?: { code: string; details?: { fields?: { path: string }[] } } }>(
        gatewayUrl,
        system.store.keys.merchant,
        "PATCH",
        `/v1/campaigns/${campaignId}`,
        body,
      );
    const changed = await patch({ velocityAlert: { limit: 50, windowSeconds: 3600 } });
    expect([changed.status, changed.body.velocityAlert]).toEqual([200, { limit: 50, windowSeconds: 3600 }]);
    const off = await patch({ velocityAlert: null });
    expect([off.status, off.body.velocityAlert]).toEqual([200, null]);
    const shown = await merchant<{ velocityAlert: unknown }>(`/v1/campaigns/${campaignId}`);
    expect(shown.body.velocityAlert).toBeNull();
    for (const bad of [{ limit: 0, windowSeconds: 3600 }, { limit: 5, windowSeconds: 59 }, { limit: 5 }]) {
      const refused = await patch({ velocityAlert: bad });
      expect([refused.status, refused.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
      expect(refused.body.error?.details?.fields?.[0]?.path).toMatch(/^velocityAlert\./);
    }
  });
});

describe("outside-member-groups alert", () => {
  it("mostly outside-group attempts on a member-only code raise one alert", async () => {
    const code = `VIPS${Date.now().toString(36).toUpperCase()}`;
    await createCampaign({ code, memberGroups: ["vip"] });
    for (const account of ["vip-1", "vip-2"]) {
      expect((await reserve(code, account, ["vip"])).status).toBe(200);
    }
    // Outside accounts one after another: the 4th makes 4 of 6 accounts (> 50 %, >= 6 accounts).
    for (let index = 0; index < 8; index += 1) {
      const refused = await reserve(code, `leaked-${index}`, ["regular"]);
      expect([refused.status, refused.body.error?.code]).toEqual([422, "NOT_ELIGIBLE_MEMBER_GROUP"]);
    }

    const page = await merchant<AlertPage>(`/v1/alerts?code=${code}&kind=outside_member_groups`);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({
      kind: "outside_member_groups",
      code,
      observed: 67,
      threshold: 50,
      details: expect.objectContaining({
        accounts: 6,
        outsideAccounts: 4,
        minAccounts: OUTSIDE_MIN_ACCOUNTS,
        attempts: 6,
        outsideAttempts: 4,
        memberGroups: ["vip"],
      }),
    });
    const events = await alertEventsFor(code, 1);
    expect(events.map((event) => event.kind)).toEqual(["outside_member_groups"]);
  });
});

describe("GET /v1/alerts", () => {
  it("newest first, paged, filtered by kind and since, and only the caller's store", async () => {
    const all = await merchant<AlertPage>("/v1/alerts");
    expect(all.body.items.map((alert) => alert.kind)).toEqual(["outside_member_groups", "velocity"]);

    const firstPage = await merchant<AlertPage>("/v1/alerts?limit=1");
    expect(firstPage.body.items.map((alert) => alert.kind)).toEqual(["outside_member_groups"]);
    const secondPage = await merchant<AlertPage>(
      `/v1/alerts?limit=1&cursor=${encodeURIComponent(String(firstPage.body.nextCursor))}`,
    );
    expect(secondPage.body.items.map((alert) => alert.kind)).toEqual(["velocity"]);
    expect(secondPage.body.nextCursor).toBeNull();

    expect((await merchant<AlertPage>("/v1/alerts?kind=velocity")).body.items).toHaveLength(1);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await merchant<AlertPage>(`/v1/alerts?since=${encodeURIComponent(future)}`)).body.items).toEqual(
      [],
    );
    expect((await merchant<AlertPage>("/v1/alerts?kind=guessing")).status).toBe(400);

    const other = await seedStore(ctx.db.database.prisma, "other");
    expect((await merchant<AlertPage>("/v1/alerts", other.keys.merchant)).body.items).toEqual([]);
    expect((await merchant<AlertPage>("/v1/alerts", system.store.keys.checkout)).status).toBe(403);
  });
});

describe("a campaign whose startsAt moves", () => {
  it("lays its windows out anew without alerting again on decisions an alert counted", async () => {
    const code = `MOVE${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createCampaign({
      code,
      velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 3600 },
    });
    await grantAll(code, "moved", 2 * VELOCITY_LIMIT);
    expect((await merchant<AlertPage>(`/v1/alerts?code=${code}`)).body.items).toHaveLength(1);

    // Half an hour earlier: the window now holding the burst starts before the alerted one.
    await changeCampaign(campaignId, { startsAt: new Date(Date.now() - 1_800_000).toISOString() });
    const after = await reserve(code, "moved-after");
    expect([after.status, after.body.status]).toEqual([200, "RESERVED"]);

    const page = await merchant<AlertPage>(`/v1/alerts?code=${code}`);
    expect(page.body.items).toHaveLength(1);
    await alertEventsFor(code, 1);
  });
});

describe("a campaign whose velocity window changes length", () => {
  it("counts the holds after the alerted window in the longer window from the same start, and alerts again", async () => {
    const code = `WIDE${Date.now().toString(36).toUpperCase()}`;
    // Its first window of 60 s has about 10 s left.
    const { campaignId } = await createCampaign({
      code,
      velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 60 },
      startedMsAgo: 50_000,
    });
    await grantAll(code, "wide", 2 * VELOCITY_LIMIT);
    const [first] = (await merchant<AlertPage>(`/v1/alerts?code=${code}`)).body.items;
    expect(first?.observed).toBeGreaterThan(VELOCITY_LIMIT);
    const firstEnd = Date.parse(String(first?.windowEnd));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstEnd - Date.now()) + 200));

    // Two minutes from the same start: another window, in which only holds after the first count.
    await changeCampaign(campaignId, { velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 120 } });
    await grantAll(code, "wide-later", VELOCITY_LIMIT + 1);

    // The later holds, and those of the burst decided after the first alert was raised (when the
    // burst took more than one batch), count; those the first alert counted do not.
    const page = await merchant<AlertPage>(`/v1/alerts?code=${code}`);
    expect(page.body.items.map((alert) => [alert.windowStart, alert.observed])).toEqual([
      [first?.windowStart, 3 * VELOCITY_LIMIT + 1 - (first?.observed ?? 0)],
      [first?.windowStart, first?.observed],
    ]);
    expect(Date.parse(String(page.body.items[0]?.windowEnd)) - firstEnd).toBe(60_000);
    await alertEventsFor(code, 2);
  });

  it("narrowed after an alert, counts the holds after it in the narrower window, and alerts again", async () => {
    const code = `NARROW${Date.now().toString(36).toUpperCase()}`;
    const { campaignId } = await createCampaign({
      code,
      velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 3600 },
    });
    await grantAll(code, "narrow", 2 * VELOCITY_LIMIT);
    const [first] = (await merchant<AlertPage>(`/v1/alerts?code=${code}`)).body.items;
    expect(first?.observed).toBeGreaterThan(VELOCITY_LIMIT);

    // Watched more closely: a minute from the same start, inside the alerted hour.
    await changeCampaign(campaignId, { velocityAlert: { limit: VELOCITY_LIMIT, windowSeconds: 60 } });
    await grantAll(code, "narrow-later", VELOCITY_LIMIT + 1);

    const page = await merchant<AlertPage>(`/v1/alerts?code=${code}`);
    expect(page.body.items).toHaveLength(2);
    const [second] = page.body.items;
    expect(second?.observed).toBe(3 * VELOCITY_LIMIT + 1 - (first?.observed ?? 0));
    expect(Date.parse(String(second?.windowEnd)) - Date.parse(String(second?.windowStart))).toBe(60_000);
    await alertEventsFor(code, 2);
  });
});

// After GET /v1/alerts, which lists the store's alerts up to there.
describe("outside-member-groups alert, by accounts", () => {
  it("counts accounts, not attempts: one outsider retrying is no leak, and a member's retries hide none", async () => {
    // One outsider trying ten times: one account of three, not 10 outside attempts of 12 (83 %).
    const retried = `VIPR${Date.now().toString(36).toUpperCase()}`;
    await createCampaign({ code: retried, memberGroups: ["vip"] });
    for (const account of ["vip-1", "vip-2"])
      expect((await reserve(retried, account, ["vip"])).status).toBe(200);
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await reserve(retried, "same-outsider", ["regular"])).status).toBe(422);

    // One member reserving and releasing thirteen times beside outsiders: the 5th outsider makes 5 of
    // 6 accounts (by attempts, 5 of 18 raised nothing).
    const spread = `VIPS${Date.now().toString(36).toUpperCase()}X`;
    await createCampaign({ code: spread, memberGroups: ["vip"] });
    for (let attempt = 0; attempt < 13; attempt += 1) {
      const held = await reserve(spread, "busy-member", ["vip"]);
      expect(held.status).toBe(200);
      const released = await api(
        gatewayUrl,
        system.store.keys.checkout,
        "POST",
        `/v1/reservations/${String(held.body.id)}/release`,
      );
      expect(released.status).toBe(200);
    }
    for (let index = 0; index < 5; index += 1)
      expect((await reserve(spread, `spread-${index}`, ["regular"])).status).toBe(422);

    const alerts = async (code: string) =>
      (await merchant<AlertPage>(`/v1/alerts?code=${code}&kind=outside_member_groups`)).body.items;
    expect(await alerts(retried)).toEqual([]);
    expect(await alerts(spread)).toEqual([
      expect.objectContaining({
        observed: 84,
        details: expect.objectContaining({
          accounts: 6,
          outsideAccounts: 5,
          attempts: 18,
          outsideAttempts: 5,
        }),
      }),
    ]);
  });
});
