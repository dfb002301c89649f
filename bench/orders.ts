// `npm run bench`, second part: order.placed events in, reservation.confirmed events out.
// Open-loop: order.placed is produced at a fixed rate (default 5,000/s for 20 s) onto the orders
// topic; the real order consumer confirms the reservations and the real outbox relay publishes
// reservation.confirmed; a collector reads promo.redemptions. Latency is from the moment an event
// was handed to the producer to the moment its reservation.confirmed was read, both on this
// process's clock. Prints a table; writes bench/results/orders.json.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUrlSchema, KafkaBrokersSchema, parseEnv } from "@promo/config";
import { createDatabase } from "@promo/db";
import { createKafka, ensureTopics } from "@promo/events";
import { REPO_ROOT, startService } from "@promo/testing/processes";
import type { Admin, Consumer, Producer } from "kafkajs";
import { z } from "zod";
import { createBenchDatabase } from "./src/bench-database.ts";
import { percentile } from "./src/load.ts";

const env = parseEnv(
  z.object({
    DATABASE_URL: DatabaseUrlSchema,
    KAFKA_BROKERS: KafkaBrokersSchema,
    BENCH_ORDER_RATE: z.coerce.number().int().positive().default(5_000),
    BENCH_ORDER_SECONDS: z.coerce.number().int().positive().default(20),
    BENCH_ORDER_CODES: z.coerce.number().int().positive().default(1_000),
    BENCH_ORDER_PARTITIONS: z.coerce.number().int().positive().default(3),
  }),
  process.env,
);

const WARMUP_EVENTS = 2_000;
const TICK_MS = 10;
const runId = randomBytes(3).toString("hex");
const topics = {
  TOPIC_ORDERS: `bench-${runId}.orders`,
  TOPIC_ORDERS_DLQ: `bench-${runId}.orders.dlq`,
  TOPIC_REDEMPTIONS: `bench-${runId}.promo.redemptions`,
  TOPIC_ALERTS: `bench-${runId}.promo.alerts`,
};
const measured = env.BENCH_ORDER_RATE * env.BENCH_ORDER_SECONDS;
const total = WARMUP_EVENTS + measured;

type Held = { id: string; storeId: string; accountId: string };

/** Reservations in RESERVED state, spread over `codes` codes, written directly (setup, not measured). */
async function seedHolds(databaseUrl: string): Promise<Held[]> {
  const database = createDatabase({ databaseUrl });
  try {
    const store = await database.prisma.store.create({ data: { slug: "bench", name: "Bench" } });
    const now = Date.now();
    const campaign = await database.prisma.campaign.create({
      data: {
        storeId: store.id,
        name: "Orders",
        discountType: "fixed",
        amount: 100n,
        currency: "TWD",
        startsAt: new Date(now - 3_600_000),
        endsAt: new Date(now + 86_400_000),
        memberGroups: [],
        productIds: [],
        oncePerAccount: false,
      },
    });
    await database.pool.query(
      `INSERT INTO code (id, store_id, campaign_id, code, code_key, source)
       SELECT gen_random_uuid(), $1, $2, 'ORDERS' || lpad(n::text, 5, '0'), 'ORDERS' || lpad(n::text, 5, '0'), 'single'
       FROM generate_series(1, $3) AS n`,
      [store.id, campaign.id, env.BENCH_ORDER_CODES],
    );
    const { rows } = await database.pool.query<Held>(
      `WITH codes AS (SELECT id, code, code_key, row_number() OVER (ORDER BY code) - 1 AS slot FROM code WHERE store_id = $1)
       INSERT INTO reservation (id, store_id, code_id, campaign_id, code_input, code_key, account_id, member_groups,
         partition, sequence, status, currency, cart, discount, lines, totals, accepted_at, decided_at, expires_at)
       SELECT gen_random_uuid(), $1, c.id, $2, c.code, c.code_key, 'shopper-' || n, '{}',
         0, n, 'RESERVED', 'TWD', '{"items":[]}', 100, '[]', '{}', now(), now(), now() + interval '1 hour'
       FROM generate_series(1, $3) AS n JOIN codes c ON c.slot = n % $4
       RETURNING id, store_id AS "storeId", account_id AS "accountId"`,
      [store.id, campaign.id, total, env.BENCH_ORDER_CODES],
    );
    return rows;
  } finally {
    await database.close();
  }
}

function orderPlaced(hold: Held, index: number): string {
  return JSON.stringify({
    eventId: randomUUID(),
    type: "order.placed",
    storeId: hold.storeId,
    occurredAt: new Date().toISOString(),
    orderNumber: `ORD-${index}`,
    reservationId: hold.id,
    accountId: hold.accountId,
    orderTotal: 990,
  });
}

/** When a reservation.confirmed was committed (its occurredAt) and when it was read, epoch ms. */
type Seen = { committedAt: number; seenAt: number };

/** Reads reservation.confirmed events and notes when each reservation's was seen. */
async function startCollector(consumer: Consumer, seen: Map<string, Seen>): Promise<void> {
  let joined: () => void = () => undefined;
  const hasJoined = new Promise<void>((resolve) => {
    joined = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic: topics.TOPIC_REDEMPTIONS, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const seenAt = Date.now();
      for (const message of batch.messages) {
        if (message.headers?.["event-type"]?.toString() !== "reservation.confirmed") continue;
        const event = JSON.parse(message.value?.toString() ?? "{}") as {
          reservationId?: string;
          occurredAt?: string;
        };
        if (event.reservationId && !seen.has(event.reservationId))
          seen.set(event.reservationId, { committedAt: Date.parse(event.occurredAt ?? ""), seenAt });
      }
    },
  });
  await hasJoined;
}

/** Produces events [from, to) at `rate` per second; returns when each was handed to the producer. */
async function produceAtRate(
  producer: Producer,
  holds: readonly Held[],
  from: number,
  to: number,
  rate: number,
  producedAt: Float64Array,
): Promise<number> {
  const started = performance.now();
  let next = from;
  while (next < to) {
    const due = Math.min(to, from + Math.floor(((performance.now() - started) / 1_000) * rate));
    if (due > next) {
      const at = Date.now();
      const messages = [];
      for (let index = next; index < due; index += 1) {
        producedAt[index] = at;
        const hold = holds[index] as Held;
        messages.push({ key: `ORD-${index}`, value: orderPlaced(hold, index) });
      }
      next = due;
      await producer.send({ topic: topics.TOPIC_ORDERS, acks: -1, messages });
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  return performance.now() - started;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

const benchDatabase = await createBenchDatabase(env.DATABASE_URL, `promo_bench_orders_${runId}`);
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `bench-${runId}` });
const processes: ReturnType<typeof startService>[] = [];
let admin: Admin | null = null;
let producer: Producer | null = null;
let collector: Consumer | null = null;
try {
  const holds = await seedHolds(benchDatabase.url);
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(kafka, Object.values(topics), {
    partitions: env.BENCH_ORDER_PARTITIONS,
    replicationFactor: 1,
  });
  const serviceEnv = {
    DATABASE_URL: benchDatabase.url,
    KAFKA_BROKERS: env.KAFKA_BROKERS.join(","),
    KAFKA_TOPIC_PARTITIONS: String(env.BENCH_ORDER_PARTITIONS),
    ORDER_CONSUMER_GROUP: `bench-${runId}`,
    LOG_LEVEL: "warn",
    ...topics,
  };
  processes.push(startService("order-consumer", serviceEnv, "order-consumer"));
  processes.push(startService("outbox-relay", serviceEnv, "outbox-relay"));

  const seen = new Map<string, Seen>();
  collector = kafka.consumer({ groupId: `bench-${runId}-collector`, allowAutoTopicCreation: false });
  await startCollector(collector, seen);
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();

  const producedAt = new Float64Array(total);
  await produceAtRate(producer, holds, 0, WARMUP_EVENTS, 1_000, producedAt);
  if (!(await waitUntil(() => seen.size >= WARMUP_EVENTS, 120_000)))
    throw new Error(`warm-up: only ${seen.size} of ${WARMUP_EVENTS} confirmations came back`);

  console.log(
    `bench orders: ${measured} order.placed at ${env.BENCH_ORDER_RATE}/s over ${env.BENCH_ORDER_PARTITIONS} partitions, 1 order consumer, 1 outbox relay`,
  );
  const produceMs = await produceAtRate(
    producer,
    holds,
    WARMUP_EVENTS,
    total,
    env.BENCH_ORDER_RATE,
    producedAt,
  );
  const complete = await waitUntil(() => seen.size >= total, 300_000);
  const latencies: number[] = [];
  const toCommit: number[] = [];
  const toSeen: number[] = [];
  let lastSeen = 0;
  for (let index = WARMUP_EVENTS; index < total; index += 1) {
    const at = seen.get((holds[index] as Held).id);
    if (at === undefined) continue;
    const produced = producedAt[index] ?? 0;
    latencies.push(at.seenAt - produced);
    toCommit.push(at.committedAt - produced);
    toSeen.push(at.seenAt - at.committedAt);
    lastSeen = Math.max(lastSeen, at.seenAt);
  }
  for (const list of [latencies, toCommit, toSeen]) list.sort((a, b) => a - b);
  const firstProduced = producedAt[WARMUP_EVENTS] ?? 0;
  const result = {
    events: measured,
    targetRate: env.BENCH_ORDER_RATE,
    producedRate: measured / (produceMs / 1_000),
    confirmedRate: latencies.length / ((lastSeen - firstProduced) / 1_000),
    confirmed: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    /** Produced -> confirmation committed by the order consumer. */
    consumerP50: percentile(toCommit, 50),
    consumerP99: percentile(toCommit, 99),
    /** Committed -> published by the relay and read back. */
    relayP50: percentile(toSeen, 50),
    relayP99: percentile(toSeen, 99),
  };
  const check = createDatabase({ databaseUrl: benchDatabase.url });
  const { rows } = await check.pool.query<{ confirmed: number }>(
    "SELECT count(*)::int AS confirmed FROM reservation WHERE status = 'CONFIRMED'",
  );
  await check.close();

  console.log(
    [
      "| events | target/s | produced/s | confirmed seen/s | p50 ms | p95 ms | p99 ms | max ms |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      `| ${result.events} | ${result.targetRate} | ${result.producedRate.toFixed(0)} | ${result.confirmedRate.toFixed(0)} | ${result.p50.toFixed(0)} | ${result.p95.toFixed(0)} | ${result.p99.toFixed(0)} | ${result.max.toFixed(0)} |`,
    ].join("\n"),
  );
  console.log(
    `of which: produced -> committed by the order consumer p50 ${result.consumerP50.toFixed(0)} ms, p99 ${result.consumerP99.toFixed(0)} ms; committed -> published by the relay and read p50 ${result.relayP50.toFixed(0)} ms, p99 ${result.relayP99.toFixed(0)} ms`,
  );
  console.log(
    `reservations CONFIRMED in PostgreSQL: ${rows[0]?.confirmed} of ${total}; reservation.confirmed seen for ${seen.size}`,
  );
  mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, "bench/results/orders.json"),
    JSON.stringify(
      { at: new Date().toISOString(), settings: { ...env, DATABASE_URL: undefined }, result },
      null,
      2,
    ),
  );
  if (!complete || rows[0]?.confirmed !== total) {
    console.error("not every order.placed was confirmed and published");
    process.exitCode = 1;
  }
} catch (error) {
  for (const child of processes)
    console.error(`--- ${child.name} output ---\n${child.output().slice(-4_000)}`);
  throw error;
} finally {
  await collector?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await Promise.all(processes.map((child) => child.stop()));
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await benchDatabase.drop();
}
