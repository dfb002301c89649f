import {
  freePort,
  type SeededStore,
  type ServiceProcess,
  seedStore,
  startService,
  type TestContext,
  waitForHttp,
} from "@promo/testing";

export const SYSTEM_PARTITIONS = "4";

export type RunningGateway = { url: string; process: ServiceProcess };

export type System = {
  ctx: TestContext;
  store: SeededStore;
  gateways: RunningGateway[];
  workers: ServiceProcess[];
  startWorker(label: string, extra?: Record<string, string>): ServiceProcess;
  /** Any other service process (order-consumer, outbox-relay) on the same settings. */
  startProcess(service: string, label: string, extra?: Record<string, string>): ServiceProcess;
  startGateway(label: string, extra?: Record<string, string>): Promise<RunningGateway>;
  stop(): Promise<void>;
};

/** Gateways and workers as separate processes on the test context's database, prefix and topics. */
export async function startSystem(
  ctx: TestContext,
  options: { gateways: number; workers: number; env?: Record<string, string> },
): Promise<System> {
  const store = await seedStore(ctx.db.database.prisma, "e2e");
  // The seeded store is the operator's: its admin key opens the queue dashboard.
  const shared = { RESERVATION_PARTITIONS: SYSTEM_PARTITIONS, DASHBOARD_STORE: store.slug, ...options.env };
  const gateways: RunningGateway[] = [];
  const workers: ServiceProcess[] = [];

  function startWorker(label: string, extra: Record<string, string> = {}): ServiceProcess {
    const worker = startService("reservation-worker", ctx.serviceEnv({ ...shared, ...extra }), label);
    workers.push(worker);
    return worker;
  }

  function startProcess(service: string, label: string, extra: Record<string, string> = {}): ServiceProcess {
    const started = startService(service, ctx.serviceEnv({ ...shared, ...extra }), label);
    workers.push(started);
    return started;
  }

  async function startGateway(label: string, extra: Record<string, string> = {}): Promise<RunningGateway> {
    const port = await freePort();
    const process = startService(
      "gateway",
      ctx.serviceEnv({ ...shared, PORT: String(port), ...extra }),
      label,
    );
    const gateway = { url: `http://127.0.0.1:${port}`, process };
    await waitForHttp(`${gateway.url}/healthz`, process).catch(async (error: unknown) => {
      await process.stop();
      throw error;
    });
    gateways.push(gateway);
    return gateway;
  }

  async function stop(): Promise<void> {
    await Promise.all([
      ...gateways.map((gateway) => gateway.process.stop()),
      ...workers.map((worker) => worker.stop()),
    ]);
  }

  try {
    for (let index = 0; index < options.workers; index += 1) startWorker(`worker-${index + 1}`);
    for (let index = 0; index < options.gateways; index += 1) await startGateway(`gateway-${index + 1}`);
  } catch (error) {
    // A test whose system did not start has none to stop in its afterAll: no process outlives it.
    await stop();
    throw error;
  }

  return {
    ctx,
    store,
    gateways,
    workers,
    startWorker,
    startProcess,
    startGateway,
    stop,
  };
}

export type ApiResponse<T = Record<string, unknown>> = { status: number; body: T; headers: Headers };

/** JSON over HTTP with a bearer key. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

/** A campaign live right now with one code, created through the merchant API. */
export async function createLiveCampaign(
  gatewayUrl: string,
  merchantKey: string,
  input: {
    code: string;
    usageLimit: number | null;
    oncePerAccount: boolean;
    amount?: number;
    /** Other campaign fields (discount, productIds, priority, combinesWith...), over the defaults. */
    terms?: Record<string, unknown>;
  },
): Promise<{ campaignId: string; codeId: string }> {
  const now = Date.now();
  const campaign = await api<{ id: string }>(gatewayUrl, merchantKey, "POST", "/v1/campaigns", {
    name: `Flash ${input.code}`,
    discount: { type: "fixed", amount: input.amount ?? 111 },
    currency: "TWD",
    startsAt: new Date(now - 3_600_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    productIds: ["P-1"],
    usageLimit: input.usageLimit,
    oncePerAccount: input.oncePerAccount,
    ...input.terms,
  });
  if (campaign.status !== 201) throw new Error(`campaign not created: ${JSON.stringify(campaign.body)}`);
  const code = await api<{ id: string }>(
    gatewayUrl,
    merchantKey,
    "POST",
    `/v1/campaigns/${campaign.body.id}/codes`,
    {
      code: input.code,
    },
  );
  if (code.status !== 201) throw new Error(`code not created: ${JSON.stringify(code.body)}`);
  return { campaignId: campaign.body.id, codeId: code.body.id };
}

export const FLASH_CART = {
  currency: "TWD",
  items: [{ productId: "P-1", unitPrice: 990, quantity: 1 }],
  shipping: 60,
};

/** A hold on `code` for `accountId` with FLASH_CART, which must be granted: its reservation id. */
export async function holdCode(
  gatewayUrl: string,
  checkoutKey: string,
  code: string,
  accountId: string,
): Promise<string> {
  const held = await api<{ id: string }>(gatewayUrl, checkoutKey, "POST", "/v1/reservations", {
    code,
    accountId,
    cart: FLASH_CART,
  });
  if (held.status !== 200)
    throw new Error(`no hold for ${accountId}: ${held.status} ${JSON.stringify(held.body)}`);
  return held.body.id;
}

/**
 * Two gateways and two workers named by WORKER_ID (worker-a, worker-b), with short job locks and
 * partition leases: for the tests that stop or kill the worker owning a code's partition mid-burst
 * and restart it under the same name.
 */
export async function startFailoverSystem(
  ctx: TestContext,
  env: Record<string, string> = {},
): Promise<System> {
  const system = await startSystem(ctx, {
    gateways: 2,
    workers: 0,
    env: { JOB_LOCK_MS: "2000", PARTITION_LEASE_MS: "2000", ...env },
  });
  for (const name of ["worker-a", "worker-b"]) system.startWorker(name, { WORKER_ID: name });
  return system;
}
