import { once } from "node:events";
import { connect } from "node:net";
import { createTestContext, eventually, freePort, type TestContext, waitForHttp } from "@promo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyCampaign, waitForJob } from "../support/code-jobs.ts";
import { readAnswer } from "../support/reservations.ts";
import { api, createLiveCampaign, FLASH_CART, type System, startSystem } from "../support/system.ts";

let ctx: TestContext;
let system: System;
const ports = { worker: 0, relay: 0, consumer: 0, codeJobs: 0 };

beforeAll(async () => {
  ctx = await createTestContext("metrics");
  system = await startSystem(ctx, { gateways: 1, workers: 0 });
  ports.worker = await freePort();
  ports.relay = await freePort();
  ports.consumer = await freePort();
  ports.codeJobs = await freePort();
  const started = [
    [system.startWorker("worker", { METRICS_PORT: String(ports.worker) }), ports.worker],
    [system.startProcess("outbox-relay", "relay", { METRICS_PORT: String(ports.relay) }), ports.relay],
    [
      system.startProcess("order-consumer", "consumer", { METRICS_PORT: String(ports.consumer) }),
      ports.consumer,
    ],
    [
      system.startProcess("code-jobs-worker", "code-jobs", {
        METRICS_PORT: String(ports.codeJobs),
        GENERATION_BATCH_SIZE: "1000",
      }),
      ports.codeJobs,
    ],
  ] as const;
  // The order consumer's probes answer while it starts; it is ready once it joined its group.
  await Promise.all(
    started.map(([service, port]) =>
      waitForHttp(`http://127.0.0.1:${port}/${port === ports.consumer ? "readyz" : "metrics"}`, service),
    ),
  );
});

afterAll(async () => {
  await system?.stop();
  await ctx?.cleanup();
});

/** Prometheus text → { "name{labels}": value } (sample lines only). */
async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const split = line.lastIndexOf(" ");
    samples.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return samples;
}

/** The value of the one sample whose name and labels contain every fragment. */
function sample(samples: Map<string, number>, ...fragments: string[]): number | undefined {
  const matches = [...samples].filter(([key]) => fragments.every((fragment) => key.includes(fragment)));
  return matches.length === 1 ? matches[0]?.[1] : undefined;
}

/** The log lines (JSON) with this message. */
function linesWith(output: string, message: string): string[] {
  return output.split("\n").filter((line) => line.includes(`"msg":"${message}"`));
}

/**
 * A client that sends a request's head and the start of its body, then closes the connection: the
 * body is promised longer (Content-Length) than what arrives.
 */
async function hangUpMidBody(baseUrl: string, path: string, key: string, type: string, sent: string) {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, "connect");
  socket.write(
    [
      `POST ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      `Authorization: Bearer ${key}`,
      `Content-Type: ${type}`,
      `Content-Length: ${Buffer.byteLength(sent) + 1_000}`,
      "",
      sent,
    ].join("\r\n"),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
}

function sum(samples: Map<string, number>, prefix: string): number {
  return [...samples]
    .filter(([key]) => key.startsWith(prefix))
    .reduce((total, [, value]) => total + value, 0);
}

describe("Prometheus metrics after a burst", () => {
  it("expose reservations by outcome, decision latency, queue, worker, outbox and consumer series", async () => {
    const gateway = system.gateways[0]?.url ?? "";
    const limit = 5;
    const code = `METRIC${Date.now().toString(36).toUpperCase()}`;
    await createLiveCampaign(gateway, system.store.keys.merchant, {
      code,
      usageLimit: limit,
      oncePerAccount: true,
    });
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, index) =>
        readAnswer(
          `m-${index}`,
          await api(gateway, system.store.keys.checkout, "POST", "/v1/reservations?wait=10000", {
            code,
            accountId: `m-${index}`,
            cart: FLASH_CART,
          }),
        ),
      ),
    );
    const reserved = answers.filter((answer) => answer.outcome === "RESERVED").length;
    const refused = answers.filter((answer) => answer.outcome === "USAGE_LIMIT_REACHED").length;
    expect([reserved, refused]).toEqual([limit, 40 - limit]);

    const fromGateway = await scrape(`${gateway}/metrics`);
    expect(sample(fromGateway, "promo_reservations_total{", 'outcome="RESERVED"')).toBe(limit);
    expect(sample(fromGateway, "promo_reservations_total{", 'outcome="USAGE_LIMIT_REACHED"')).toBe(
      40 - limit,
    );
    expect(sample(fromGateway, "promo_reservation_decision_seconds_count")).toBe(40);
    const latencySum = sample(fromGateway, "promo_reservation_decision_seconds_sum") ?? -1;
    expect(latencySum).toBeGreaterThan(0);
    expect(latencySum / 40).toBeLessThan(10);
    expect(sum(fromGateway, "promo_queue_jobs{")).toBe(0);
    expect(sample(fromGateway, "promo_queue_jobs{", 'queue="{reservations-00}"', 'state="waiting"')).toBe(0);
    expect(sample(fromGateway, "promo_queue_oldest_waiting_seconds{", 'queue="{code-jobs}"')).toBe(0);
    expect(sample(fromGateway, "promo_process_resident_memory_bytes")).toBeGreaterThan(0);

    const fromWorker = await scrape(`http://127.0.0.1:${ports.worker}/metrics`);
    expect(sample(fromWorker, "promo_worker_decisions_total{", 'outcome="RESERVED"')).toBe(limit);
    expect(sample(fromWorker, "promo_worker_decisions_total{", 'outcome="USAGE_LIMIT_REACHED"')).toBe(
      40 - limit,
    );
    const groupCommits = sample(fromWorker, "promo_worker_commit_seconds_count") ?? 0;
    expect(groupCommits).toBeGreaterThan(0);
    expect(sample(fromWorker, "promo_worker_commit_requests_count")).toBe(groupCommits);
    expect(sample(fromWorker, "promo_worker_commit_requests_sum")).toBe(40);
    // One code, so one partition: every group commit decided that partition's run alone.
    expect(sample(fromWorker, "promo_worker_commit_partitions_sum")).toBe(groupCommits);
    expect(sample(fromWorker, "promo_worker_run_seconds_count")).toBe(groupCommits);
    expect(sample(fromWorker, "promo_queue_wait_seconds_count")).toBeGreaterThan(0);
    expect(sample(fromWorker, "promo_worker_owned_partitions")).toBeGreaterThan(0);

    // Every decision went to the outbox; the relay drains it, so the lag returns to zero. One scrape
    // is not a snapshot: the published count (in memory) can be read before the relay adds a batch
    // whose rows the unpublished count (a query) already sees as published, so wait for both.
    const published = await eventually(async () => {
      const fromRelay = await scrape(`http://127.0.0.1:${ports.relay}/metrics`);
      const drained = sample(fromRelay, "promo_outbox_unpublished_events") === 0;
      return drained && (sample(fromRelay, "promo_outbox_published_events") ?? 0) >= 40 ? fromRelay : null;
    }, "the outbox to drain and the relay to count it");
    expect(sample(published, "promo_outbox_lag_seconds")).toBe(0);
    expect(sample(published, "promo_outbox_published_events")).toBeGreaterThanOrEqual(40);

    const fromConsumer = await scrape(`http://127.0.0.1:${ports.consumer}/metrics`);
    const lags = [...fromConsumer].filter(([key]) => key.startsWith("promo_kafka_consumer_lag{"));
    expect(lags.length).toBeGreaterThan(0);
    expect(lags.every(([, value]) => value === 0)).toBe(true);
  });

  it("count a client that hangs up mid-body as 499 at info, not as PostgreSQL away (503, a warning)", async () => {
    // Its own gateway, logging at info (the tests' services log from warn up).
    const gateway = await system.startGateway("gateway-hang-ups", { LOG_LEVEL: "info" });
    const campaignId = await createEmptyCampaign(gateway.url, system.store.keys.merchant, "hang-ups");
    const boundary = "hangup";
    const cutShort = [
      { path: "/v1/campaigns", type: "application/json", sent: '{"name":"' },
      { path: "/v1/checkout/quote", type: "application/json", sent: '{"codes":["' },
      {
        path: `/v1/campaigns/${campaignId}/codes/import`,
        type: `multipart/form-data; boundary=${boundary}`,
        sent: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nHANGUP1\r\n`,
      },
    ];
    for (const { path, type, sent } of cutShort) {
      await hangUpMidBody(gateway.url, path, system.store.keys.all, type, sent);
    }
    await eventually(
      async () =>
        linesWith(gateway.process.output(), "the client hung up before its request was read").length === 3,
      "the gateway logged each hang-up",
    );
    const samples = await scrape(`${gateway.url}/metrics`);
    expect(sample(samples, "promo_http_requests_total{", 'route="/v1/campaigns"', 'status="499"')).toBe(1);
    expect(sample(samples, "promo_http_requests_total{", 'route="/v1/checkout/quote"', 'status="499"')).toBe(
      1,
    );
    expect(
      sample(samples, "promo_http_requests_total{", 'route="/v1/campaigns/:id/codes/import"', 'status="499"'),
    ).toBe(1);
    expect(sum(samples, 'promo_http_requests_total{method="POST",route="/v1/campaigns",status="503"')).toBe(
      0,
    );
    expect(linesWith(gateway.process.output(), "PostgreSQL unavailable")).toEqual([]);
  });

  it("leave the gateway's API port when METRICS_PORT gives /metrics a port of its own", async () => {
    const metricsPort = await freePort();
    const gateway = await system.startGateway("gateway-metrics-port", { METRICS_PORT: String(metricsPort) });
    const answer = await api<{ error: { code: string } }>(
      gateway.url,
      system.store.keys.checkout,
      "POST",
      "/v1/reservations?wait=10000",
      { code: "NOSUCHCODE", accountId: "metrics-port", cart: FLASH_CART },
    );
    expect(answer.body.error.code).toBe("CODE_NOT_FOUND");

    const own = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(sample(own, "promo_reservations_total{", 'outcome="CODE_NOT_FOUND"')).toBe(1);
    expect(sample(own, "promo_process_resident_memory_bytes")).toBeGreaterThan(0);
    const onApiPort = await fetch(`${gateway.url}/metrics`);
    expect(onApiPort.status).toBe(404);
    expect(((await onApiPort.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("expose code job progress while a job runs and count it when it ends", async () => {
    const gateway = system.gateways[0]?.url ?? "";
    const campaignId = await createEmptyCampaign(gateway, system.store.keys.merchant, "Metrics generation");
    const started = await api<{ id: string }>(
      gateway,
      system.store.keys.merchant,
      "POST",
      `/v1/campaigns/${campaignId}/codes/generate`,
      { count: 50_000, large: true },
    );
    expect(started.status).toBe(202);
    const url = `http://127.0.0.1:${ports.codeJobs}/metrics`;
    const running = await eventually(
      async () => {
        const samples = await scrape(url);
        const value = sample(samples, "promo_code_job_progress_percent{", `job_id="${started.body.id}"`);
        return value !== undefined && value > 0 && value < 100 ? value : null;
      },
      "progress of the running job",
      60_000,
    );
    expect(running).toBeGreaterThan(0);
    const { job } = await waitForJob(gateway, system.store.keys.merchant, started.body.id);
    expect(job.state).toBe("succeeded");
    const after = await eventually(async () => {
      const samples = await scrape(url);
      return sample(samples, "promo_code_jobs_finished_total{", 'kind="generate_codes"') === 1
        ? samples
        : null;
    }, "the finished job to be counted");
    expect(sample(after, "promo_code_job_progress_percent{", `job_id="${started.body.id}"`)).toBeUndefined();
  });
});

describe("probes on the metrics port", () => {
  it("answer /healthz on every worker process, and /readyz on the order consumer", async () => {
    for (const port of Object.values(ports)) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([port, health.status, await health.json()]).toEqual([port, 200, { status: "alive" }]);
    }
    const ready = await fetch(`http://127.0.0.1:${ports.consumer}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    // The others have no readiness of their own to tell (the relay on standby is as ready as the active one).
    expect((await fetch(`http://127.0.0.1:${ports.worker}/readyz`)).status).toBe(404);
  });

  it("show an order consumer that cannot reach Kafka as alive but not ready, saying why", async () => {
    const port = await freePort();
    const consumer = system.startProcess("order-consumer", "consumer-no-kafka", {
      METRICS_PORT: String(port),
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
    });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, consumer);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      503,
      { status: "not ready", reason: "waiting for Kafka and the orders topics" },
    ]);
    // Stopped while it waits, it stops cleanly.
    consumer.child.kill("SIGTERM");
    expect(await consumer.exited, consumer.output().slice(-2_000)).toBe(0);
  });
});
