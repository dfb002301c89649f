// `npm run demo`: a flash sale played end to end against real services. Starts its own gateway,
// two reservation workers, the order consumer and the outbox relay (own database, queue prefix and
// topics), then: a code capped at 11 uses and once per account, a few hundred shoppers at once,
// orders placed over Kafka for the winners, one order cancelled. Prints who won in what order, who
// was refused and why, the events that went out, and the code lookup. Exits 1 unless exactly 11 won.
// `--keep` leaves the database and topics in place afterwards.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { ConfigError, DevServicesEnvSchema, parseEnv } from "@promo/config";
import type { OrderEvent, RedemptionEvent } from "@promo/contracts";
import { createKafka, ensureTopics } from "@promo/events";
import { createTestDatabase, ensureTemplateDatabase, seedStore } from "@promo/testing";
import { freePort, type ServiceProcess, startService, waitForHttp } from "@promo/testing/processes";
import type { Consumer } from "kafkajs";
import { z } from "zod";

const CAP = 11;
const SHOPPERS = 300;
const SHOPPERS_WHO_CLICK_TWICE = 60;
const CODE = "FLASH11";

const env = readEnv();
function readEnv() {
  try {
    return parseEnv(
      DevServicesEnvSchema.extend({
        DEMO_SHOPPERS: z.coerce.number().int().min(CAP).max(5_000).default(SHOPPERS),
      }),
      process.env,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`demo: ${error.message}`);
    process.exit(1);
  }
}
const keep = process.argv.includes("--keep");
const tty = process.stdout.isTTY === true;
const style = (code: string) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = style("1");
const green = style("32");
const red = style("31");
const dim = style("2");

const runId = randomBytes(3).toString("hex");
const topics = {
  orders: `demo-${runId}.orders`,
  ordersDeadLetter: `demo-${runId}.orders.dlq`,
  redemptions: `demo-${runId}.promo.redemptions`,
  alerts: `demo-${runId}.promo.alerts`,
};
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: "promo-demo" });
const processes: ServiceProcess[] = [];
let consumer: Consumer | null = null;
let cleanup: (() => Promise<void>) | null = null;

function heading(text: string): void {
  console.log(`\n${bold(text)}`);
}

function table(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const [index, row] of rows.entries()) {
    const line = row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
    console.log(`  ${index === 0 ? dim(line) : line}`);
  }
}

/** A live counter on a terminal; a line every quarter elsewhere (CI logs, pipes). */
function progress(total: number) {
  let done = 0;
  let lastQuarter = 0;
  return {
    tick(reserved: number): void {
      done += 1;
      if (tty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        process.stdout.write(
          `\r  [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} answered, ${reserved} won`,
        );
        if (done === total) process.stdout.write("\n");
      } else if (Math.floor((done / total) * 4) > lastQuarter) {
        lastQuarter = Math.floor((done / total) * 4);
        console.log(`  ${done}/${total} answered, ${reserved} won`);
      }
    },
  };
}

async function main(): Promise<number> {
  heading("Starting the system (own database, queue prefix and Kafka topics)");
  const template = await ensureTemplateDatabase(env.DATABASE_URL);
  const database = await createTestDatabase(env.DATABASE_URL, template, "demo");
  await ensureTopics(kafka, Object.values(topics), { partitions: 3, replicationFactor: 1 });
  cleanup = async () => {
    await database.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  };
  const store = await seedStore(database.database.prisma, "demo");
  const port = await freePort();
  const serviceEnv = {
    DATABASE_URL: database.url,
    REDIS_URL: env.REDIS_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
    QUEUE_PREFIX: `demo-${runId}`,
    RESERVATION_PARTITIONS: "4",
    TOPIC_ORDERS: topics.orders,
    TOPIC_ORDERS_DLQ: topics.ordersDeadLetter,
    TOPIC_REDEMPTIONS: topics.redemptions,
    TOPIC_ALERTS: topics.alerts,
    ORDER_CONSUMER_GROUP: `demo-${runId}-order-consumer`,
    LOG_LEVEL: "warn",
  };
  const gateway = startService("gateway", { ...serviceEnv, PORT: String(port) });
  processes.push(
    gateway,
    startService("reservation-worker", { ...serviceEnv, WORKER_ID: "worker-1" }, "worker-1"),
    startService("reservation-worker", { ...serviceEnv, WORKER_ID: "worker-2" }, "worker-2"),
    startService("order-consumer", serviceEnv),
    startService("outbox-relay", serviceEnv),
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, gateway);
  console.log(`  gateway ${origin}, 2 reservation workers, order consumer, outbox relay`);

  const call = async <T>(key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  // Events out: read promo.redemptions from the start while the sale runs.
  const events: RedemptionEvent[] = [];
  consumer = kafka.consumer({ groupId: `demo-${runId}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.redemptions, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) events.push(JSON.parse(message.value.toString()) as RedemptionEvent);
    },
  });

  heading(`A campaign with code ${CODE}: ${CAP} uses in all, once per account`);
  const now = Date.now();
  const campaign = await call<{ id: string }>(store.keys.merchant, "POST", "/v1/campaigns", {
    name: "Flash sale: first 11 shoppers",
    discount: { type: "fixed", amount: 300 },
    currency: "TWD",
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    productIds: ["SKU-1"],
    usageLimit: CAP,
    oncePerAccount: true,
  });
  if (campaign.status !== 201) throw new Error(`campaign: ${JSON.stringify(campaign.body)}`);
  const code = await call(store.keys.merchant, "POST", `/v1/campaigns/${campaign.body.id}/codes`, {
    code: CODE,
  });
  if (code.status !== 201) throw new Error(`code: ${JSON.stringify(code.body)}`);
  console.log(`  campaign ${campaign.body.id}, TWD 3.00 off a TWD 9.90 item`);

  const shoppers = Array.from(
    { length: env.DEMO_SHOPPERS },
    (_, index) => `shopper-${String(index + 1).padStart(3, "0")}`,
  );
  const clicks = shuffled([
    ...shoppers,
    ...shoppers.slice(0, Math.min(SHOPPERS_WHO_CLICK_TWICE, shoppers.length)),
  ]);
  heading(`${shoppers.length} shoppers hit the code at once (${clicks.length} requests, some click twice)`);
  type Answer = { accountId: string; outcome: string; sequence: number; id: string };
  const counter = progress(clicks.length);
  let reserved = 0;
  const answers = await Promise.all(
    clicks.map(async (accountId): Promise<Answer> => {
      const { status, body } = await call<{
        id?: string;
        sequence?: number;
        status?: string;
        error?: { code: string; details?: { id?: string; sequence?: number } };
      }>(store.keys.checkout, "POST", "/v1/reservations?wait=10000", {
        code: CODE,
        accountId,
        cart: { currency: "TWD", items: [{ productId: "SKU-1", unitPrice: 990, quantity: 1 }] },
      });
      const answer =
        status === 200 || status === 202
          ? { accountId, outcome: String(body.status), sequence: Number(body.sequence), id: String(body.id) }
          : {
              accountId,
              outcome: body.error?.code ?? `HTTP ${status}`,
              sequence: Number(body.error?.details?.sequence ?? Number.NaN),
              id: String(body.error?.details?.id ?? ""),
            };
      if (answer.outcome === "RESERVED") reserved += 1;
      counter.tick(reserved);
      return answer;
    }),
  );

  const winners = answers
    .filter((answer) => answer.outcome === "RESERVED")
    .sort((a, b) => a.sequence - b.sequence);
  heading(`Winners, in the order the gateway accepted them (${winners.length})`);
  table([
    ["#", "sequence", "account", "reservation"],
    ...winners.map((winner, index) => [
      String(index + 1),
      String(winner.sequence),
      winner.accountId,
      winner.id,
    ]),
  ]);

  heading(`Refused (${answers.length - winners.length})`);
  const refused = new Map<string, Answer[]>();
  for (const answer of answers.filter((candidate) => candidate.outcome !== "RESERVED"))
    refused.set(answer.outcome, [...(refused.get(answer.outcome) ?? []), answer]);
  table([
    ["reason", "requests", "for example"],
    ...[...refused].map(([reason, list]) => [
      reason,
      String(list.length),
      list
        .slice(0, 3)
        .map((answer) => answer.accountId)
        .join(", "),
    ]),
  ]);
  console.log(
    dim(
      "  USAGE_LIMIT_REACHED: all 11 uses were taken; ACCOUNT_LIMIT_REACHED: that shopper already holds one (a second click)",
    ),
  );

  heading("Order systems place an order for each winner over Kafka; one order is cancelled");
  const producer = kafka.producer();
  await producer.connect();
  const orderOf = (index: number) => `ORD-${runId.toUpperCase()}-${String(index + 1).padStart(2, "0")}`;
  const orderEvent = (event: Record<string, unknown>) => ({
    eventId: randomUUID(),
    storeId: store.storeId,
    occurredAt: new Date().toISOString(),
    ...event,
  });
  const placed = winners.map((winner, index) =>
    orderEvent({
      type: "order.placed",
      orderNumber: orderOf(index),
      reservationId: winner.id,
      accountId: winner.accountId,
      orderTotal: 690,
    }),
  ) as OrderEvent[];
  await producer.send({
    topic: topics.orders,
    messages: placed.map((event) => ({
      key: "orderNumber" in event ? event.orderNumber : null,
      value: JSON.stringify(event),
    })),
  });
  const cancelledOrder = orderOf(winners.length - 1);
  await waitFor(
    () => events.filter((event) => event.type === "reservation.confirmed").length === winners.length,
    "every order confirmed",
  );
  await producer.send({
    topic: topics.orders,
    messages: [
      {
        key: cancelledOrder,
        value: JSON.stringify(orderEvent({ type: "order.cancelled", orderNumber: cancelledOrder })),
      },
    ],
  });
  await producer.disconnect();
  console.log(`  ${placed.length} order.placed sent; order.cancelled for ${cancelledOrder}`);
  await waitFor(() => events.some((event) => event.type === "reservation.cancelled"), "the cancellation");
  await waitFor(
    () =>
      events.filter((event) => event.type === "reservation.rejected").length ===
      answers.length - winners.length,
    "every refusal on the topic",
  );

  heading(`Events on ${topics.redemptions} (keyed by code, in order per code)`);
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  table([["event", "count"], ...[...counts].map(([type, count]) => [type, String(count)])]);
  console.log("");
  table([
    ["event", "code", "account", "order", "discount"],
    ...events
      .filter((event) => event.type !== "reservation.rejected")
      .map((event) => [
        event.type,
        event.code,
        event.accountId,
        "orderNumber" in event ? event.orderNumber : "",
        "discount" in event ? String(event.discount) : "",
      ]),
  ]);

  heading(`Code lookup: GET /v1/codes/${CODE}`);
  const lookup = await call<{
    items: {
      uses: { live: number; reserved: number; confirmed: number; usageLimit: number | null };
      reservations: { sequence: number; accountId: string; status: string; orderNumber: string | null }[];
    }[];
  }>(store.keys.merchant, "GET", `/v1/codes/${CODE}?limit=1000`);
  const item = lookup.body.items[0];
  if (!item) throw new Error(`lookup: ${JSON.stringify(lookup.body)}`);
  console.log(
    `  uses: ${item.uses.live} live of ${item.uses.usageLimit} (${item.uses.confirmed} confirmed, ${item.uses.reserved} reserved); the cancelled order's slot is free again`,
  );
  table([
    ["sequence", "account", "state", "order number"],
    ...item.reservations
      .filter((reservation) => reservation.status !== "REJECTED")
      .sort((a, b) => a.sequence - b.sequence)
      .map((reservation) => [
        String(reservation.sequence),
        reservation.accountId,
        reservation.status,
        reservation.orderNumber ?? "",
      ]),
  ]);

  const exact = winners.length === CAP && new Set(winners.map((winner) => winner.accountId)).size === CAP;
  console.log(
    `\n${exact ? green("✔") : red("✘")} ${bold(`${winners.length} winners`)} for a cap of ${CAP} out of ${answers.length} requests from ${shoppers.length} shoppers`,
  );
  return exact ? 0 : 1;
}

/** Shoppers arrive in no particular order. */
function shuffled<T>(values: readonly T[]): T[] {
  const result = [...values];
  for (let index = result.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function shutdown(): Promise<void> {
  await consumer?.disconnect().catch(() => undefined);
  await Promise.all(processes.map((service) => service.stop()));
  if (cleanup && !keep) await cleanup().catch(() => undefined);
}

process.on("SIGINT", () => {
  void shutdown().then(() => process.exit(130));
});

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(red(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`));
  for (const service of processes)
    if (service.child.exitCode !== null)
      console.error(`${service.name} exited:\n${service.output().slice(-2_000)}`);
} finally {
  await shutdown();
}
process.exit(exitCode);
