import type { Logger } from "@promo/observability";
import type { RedisConnection } from "@promo/queue";
import {
  acquireLease,
  countLiveWorkers,
  heartbeatWorker,
  isRedisUnavailable,
  leaveRegistry,
  releaseLease,
  renewLease,
} from "@promo/queue";

export type OwnedPartition = {
  /**
   * Gives the partition up. With `decideFirst`, the jobs held are decided first where that can be
   * done in a grace period; without it (PostgreSQL is away), they go back to the queue at once.
   */
  stop(options: { decideFirst: boolean }): Promise<void>;
};

export type PartitionOwnershipOptions = {
  redis: RedisConnection;
  workerId: string;
  partitionCount: number;
  leaseKey: (partition: number) => string;
  registryKey: string;
  leaseMs: number;
  heartbeatMs: number;
  logger: Logger;
  /** Starts consuming a partition this worker now owns. */
  start: (partition: number) => Promise<OwnedPartition>;
  /** Whether this worker can decide jobs now (its PostgreSQL answers); asked once per heartbeat. */
  canDecide: () => Promise<boolean>;
};

/** Heartbeats in a row on which the worker could not decide before it steps aside. */
const FAILED_CHECKS_BEFORE_STEPPING_ASIDE = 2;

/**
 * Spreads the partitions over the live worker processes with expiring Redis leases: each worker
 * takes free partitions up to its fair share (ceil(partitions / live workers)), renews what it
 * holds and hands back extras when more workers join. A worker that dies stops renewing and its
 * partitions go to the others once the lease runs out.
 *
 * A worker that cannot decide (its PostgreSQL is away) steps aside: it leaves the registry, so the
 * others' fair share grows to cover its partitions, takes no partition, and hands back those it
 * holds as soon as another live worker can take them. Where no other worker is live (PostgreSQL is
 * away for everyone, say), it keeps them, and their runners go on retrying. It takes its share
 * again once it can decide.
 */
export function createPartitionOwnership(options: PartitionOwnershipOptions) {
  const owned = new Map<number, OwnedPartition>();
  const starting = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let ticking: Promise<void> | null = null;
  // A worker that starts without PostgreSQL owns nothing to lose: its first failed check steps aside.
  let failedChecks = FAILED_CHECKS_BEFORE_STEPPING_ASIDE - 1;
  let steppedAside = false;
  const offset = hashOffset(options.workerId, options.partitionCount);

  async function drop(partition: number, reason: string, decideFirst = true): Promise<void> {
    const handle = owned.get(partition);
    owned.delete(partition);
    options.logger.info({ partition, reason }, "releasing partition");
    await handle
      ?.stop({ decideFirst })
      .catch((error: unknown) =>
        options.logger.error({ err: error, partition }, "stopping partition failed"),
      );
    await releaseLease(options.redis, options.leaseKey(partition), options.workerId).catch(() => undefined);
  }

  async function renewOwned(): Promise<void> {
    for (const partition of [...owned.keys()]) {
      const renewed = await renewLease(
        options.redis,
        options.leaseKey(partition),
        options.workerId,
        options.leaseMs,
      );
      if (!renewed) await drop(partition, "lease lost");
    }
  }

  async function stepAside(): Promise<void> {
    if (!steppedAside) {
      steppedAside = true;
      options.logger.warn(
        { owned: owned.size },
        "cannot reach PostgreSQL; stepping aside for workers that can",
      );
    }
    await leaveRegistry(options.redis, options.registryKey, options.workerId);
    const others = await countLiveWorkers(
      options.redis,
      options.registryKey,
      Date.now(),
      options.heartbeatMs,
    );
    if (others === 0) {
      await renewOwned();
      return;
    }
    const reason = `cannot reach PostgreSQL; ${others} other worker(s) live`;
    await Promise.all([...owned.keys()].map((partition) => drop(partition, reason, false)));
  }

  async function tick(): Promise<void> {
    failedChecks = (await options.canDecide()) ? 0 : failedChecks + 1;
    if (failedChecks >= FAILED_CHECKS_BEFORE_STEPPING_ASIDE) return await stepAside();
    if (steppedAside) {
      steppedAside = false;
      options.logger.info("PostgreSQL reachable again; taking a share of the partitions");
    }
    const alive = await heartbeatWorker(
      options.redis,
      options.registryKey,
      options.workerId,
      Date.now(),
      options.heartbeatMs,
    );
    const fairShare = Math.ceil(options.partitionCount / alive);

    await renewOwned();
    while (owned.size > fairShare) {
      const extra = Math.max(...owned.keys());
      await drop(extra, `rebalancing to ${fairShare} per worker (${alive} alive)`);
    }
    for (let step = 0; step < options.partitionCount && owned.size < fairShare; step += 1) {
      const partition = (offset + step) % options.partitionCount;
      if (owned.has(partition) || starting.has(partition)) continue;
      if (
        !(await acquireLease(options.redis, options.leaseKey(partition), options.workerId, options.leaseMs))
      )
        continue;
      starting.add(partition);
      try {
        owned.set(partition, await options.start(partition));
        options.logger.info({ partition, owned: owned.size, fairShare }, "partition acquired");
      } catch (error) {
        options.logger.error({ err: error, partition }, "starting partition failed");
        await releaseLease(options.redis, options.leaseKey(partition), options.workerId).catch(
          () => undefined,
        );
      } finally {
        starting.delete(partition);
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((error: unknown) =>
          options.logger[levelFor(error)]({ err: error }, "partition ownership tick failed"),
        )
        .finally(() => {
          ticking = null;
          schedule();
        });
    }, options.heartbeatMs);
  }

  return {
    /** Takes a fair share now if Redis answers; otherwise at the next heartbeat that it does. */
    async start(): Promise<void> {
      await tick().catch((error: unknown) =>
        options.logger[levelFor(error)]({ err: error }, "partition ownership tick failed; trying again"),
      );
      schedule();
    },
    owned(): number[] {
      return [...owned.keys()].sort((a, b) => a - b);
    },
    /** True while the worker has stepped aside because it cannot decide. */
    steppedAside(): boolean {
      return steppedAside;
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      await Promise.all([...owned.keys()].map((partition) => drop(partition, "shutting down")));
      await leaveRegistry(options.redis, options.registryKey, options.workerId).catch(() => undefined);
    },
  };
}

function hashOffset(workerId: string, partitionCount: number): number {
  let hash = 0;
  for (const char of workerId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % partitionCount;
}

/** Redis away is the outage log's to report (once), not every heartbeat's. */
function levelFor(error: unknown): "debug" | "warn" {
  return isRedisUnavailable(error) ? "debug" : "warn";
}
