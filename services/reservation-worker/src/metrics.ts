import type { ReservationBatchResult, ReservationDecision } from "@promo/contracts";
import {
  Counter,
  createMetricsRegistry,
  Gauge,
  Histogram,
  LATENCY_BUCKETS_SECONDS,
} from "@promo/observability";
import type { GroupCommit } from "./handlers/reservation-ledger.ts";

function outcomeOf(decision: ReservationDecision): string {
  if (decision.kind !== "decided") return decision.errorCode;
  const { status, errorCode } = decision.reservation;
  return status === "REJECTED" ? (errorCode ?? status) : status;
}

/** The reservation worker's Prometheus series (counters and histograms only: no queries). */
export function createWorkerMetrics(options: { ownedPartitions: () => readonly number[] }) {
  const registry = createMetricsRegistry("reservation-worker");
  const decisions = new Counter({
    name: "promo_worker_decisions_total",
    help: "Reservation requests decided and committed, by outcome (RESERVED or the error code)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: "promo_worker_commit_seconds",
    help: "Duration of one group commit: the PostgreSQL transaction deciding the ready runs of jobs of this worker's partitions",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const commitRequests = new Histogram({
    name: "promo_worker_commit_requests",
    help: "Requests decided per group commit",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000],
    registers: [registry],
  });
  const commitPartitions = new Histogram({
    name: "promo_worker_commit_partitions",
    help: "Partitions whose runs of jobs one group commit decided",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const runSeconds = new Histogram({
    name: "promo_worker_run_seconds",
    help: "From a partition's run of jobs handed to the group commit to its decisions committed (the commit in flight before it included)",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  const queueWaitSeconds = new Histogram({
    name: "promo_queue_wait_seconds",
    help: "From a reservation batch entering its queue to a worker taking it",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [registry],
  });
  new Gauge({
    name: "promo_worker_owned_partitions",
    help: "Reservation queue partitions this worker owns",
    registers: [registry],
    collect() {
      this.set(options.ownedPartitions().length);
    },
  });
  return {
    registry,
    jobTaken(enqueuedAtMs: number): void {
      queueWaitSeconds.observe(Math.max(0, Date.now() - enqueuedAtMs) / 1_000);
    },
    /** A partition's run is committed: its decisions, and how long it waited and took. */
    committed(results: readonly ReservationBatchResult[], seconds: number): void {
      for (const result of results)
        for (const decision of result.decisions) decisions.inc({ outcome: outcomeOf(decision) });
      runSeconds.observe(seconds);
    },
    groupCommitted(commit: GroupCommit): void {
      commitSeconds.observe(commit.seconds);
      commitRequests.observe(commit.requests);
      commitPartitions.observe(commit.partitions);
    },
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
