import { Pool } from "undici";

export type LoadResult = {
  requests: number;
  durationMs: number;
  /** Latency of every request, in ms. */
  latencies: number[];
  statuses: Map<number, number>;
  bodies: string[];
};

/**
 * Closed-loop load: `connections` keep one request in flight each until `total` were sent, all
 * from this process. Request i gets `body(i)`. Returns every latency and status.
 */
export async function runLoad(options: {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: (index: number) => string;
  total: number;
  connections: number;
  keepBodies?: boolean;
}): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const latencies = new Array<number>(options.total);
  const statuses = new Map<number, number>();
  const bodies: string[] = options.keepBodies ? new Array<string>(options.total) : [];
  let next = 0;
  const started = performance.now();
  async function loop(): Promise<void> {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= options.total) return;
      const sent = performance.now();
      const response = await pool.request({
        origin: options.origin,
        path: options.path,
        method: "POST",
        headers: { "content-type": "application/json", ...options.headers },
        body: options.body(index),
      });
      const text = await response.body.text();
      latencies[index] = performance.now() - sent;
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (options.keepBodies) bodies[index] = text;
    }
  }
  await Promise.all(Array.from({ length: options.connections }, () => loop()));
  const durationMs = performance.now() - started;
  await pool.close();
  return { requests: options.total, durationMs, latencies, statuses, bodies };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

export type Summary = {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: string;
  cpu?: string;
  /** Mean time per stage, from the services' own metrics. */
  stages?: string;
};

export function summarize(name: string, result: LoadResult): Summary {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  return {
    name,
    requests: result.requests,
    rps: result.requests / (result.durationMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    statuses: [...result.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(" "),
  };
}
