import {
  Counter,
  createMetricsRegistry,
  Gauge,
  Histogram,
  LATENCY_BUCKETS_SECONDS,
} from "@promo/observability";
import type { Queue } from "bullmq";
import type { DownloadEnd } from "./downloads.ts";

export type DownloadKind = "code_export" | "report" | "action_listing" | "error_report";

/** Outcome label of a reservation answer: RESERVED, PENDING (202) or the refusal's error code. */
export type ReservationOutcomeLabel = string;

/**
 * The gateway's Prometheus series. Hot paths only bump counters and histograms; queue depth and
 * wait are read from Redis when Prometheus scrapes.
 */
export function createGatewayMetrics(options: { queues: () => readonly Queue[] }) {
  const registry = createMetricsRegistry("gateway");
  const reservations = new Counter({
    name: "promo_reservations_total",
    help: "Reservation answers by outcome (RESERVED, PENDING or the error code)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const decisionSeconds = new Histogram({
    name: "promo_reservation_decision_seconds",
    help: "From the gateway accepting a reservation to its decision (committed in PostgreSQL) coming back",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  new Gauge({
    name: "promo_queue_jobs",
    help: "Jobs per queue and state (reservation partitions hold batches of requests; code jobs one job each)",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        options.queues().map(async (queue) => {
          const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        }),
      );
    },
  });
  new Gauge({
    name: "promo_queue_oldest_waiting_seconds",
    help: "Age of the oldest job still waiting in each queue (0 when none waits)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      await Promise.all(
        options.queues().map(async (queue) => {
          const [oldest] = await queue.getWaiting(0, 0);
          this.set({ queue: queue.name }, oldest ? Math.max(0, now - oldest.timestamp) / 1_000 : 0);
        }),
      );
    },
  });
  const downloadsInProgress = new Gauge({
    name: "promo_downloads_in_progress",
    help: "Streamed .xlsx downloads (code export, report, action listing) still being written",
    labelNames: ["kind"],
    registers: [registry],
  });
  const downloads = new Counter({
    name: "promo_downloads_total",
    help: "Streamed .xlsx downloads ended, by kind and end (finished, client_gone, failed)",
    labelNames: ["kind", "end"],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "promo_http_requests_total",
    help: "HTTP answers by method, route pattern (as registered, e.g. /v1/reservations/:id) and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const httpSeconds = new Histogram({
    name: "promo_http_request_seconds",
    help: "From a request's arrival to its answer handed to Node (a streamed download: its start), by method and route pattern",
    labelNames: ["method", "route"],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  return {
    registry,
    /**
     * Counts one HTTP answer. `route` is the pattern the request matched, never the path itself, so
     * ids in paths make no new series; a path no route matched counts as `unmatched`.
     */
    httpAnswered(method: string, route: string, status: number, seconds: number): void {
      httpRequests.inc({ method, route, status });
      httpSeconds.observe({ method, route }, seconds);
    },
    /** The start and end callbacks of one streamed download of this kind (see streamDownload). */
    downloads(kind: DownloadKind) {
      return {
        onStart: () => downloadsInProgress.inc({ kind }),
        onEnd: (end: DownloadEnd) => {
          downloadsInProgress.dec({ kind });
          downloads.inc({ kind, end });
        },
      };
    },
    /** Counts one answer; `decidedAfterMs` when the decision came back within the wait. */
    reservationAnswered(outcome: ReservationOutcomeLabel, decidedAfterMs?: number): void {
      reservations.inc({ outcome });
      if (decidedAfterMs !== undefined) decisionSeconds.observe(decidedAfterMs / 1_000);
    },
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
