import type { Logger } from "@promo/observability";
import type { RedisConnection } from "@promo/queue";
import { acquireLease, heartbeatWorker, leaveRegistry, releaseLease, renewLease } from "@promo/queue";

export type OwnedPartition = { stop(): Promise<void> };

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
};

/**
 * Spreads the partitions over the live worker processes with expiring Redis leases: each worker
 * takes free partitions up to its fair share (ceil(partitions / live workers)), renews what it
 * holds and hands back extras when more workers join. A worker that dies stops renewing and its
 * partitions go to the others once the lease runs out.
 */
export function createPartitionOwnership(options: PartitionOwnershipOptions) {
  const owned = new Map<number, OwnedPartition>();
  const starting = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let ticking: Promise<void> | null = null;
  const offset = hashOffset(options.workerId, options.partitionCount);

  async function drop(partition: number, reason: string): Promise<void> {
    const handle = owned.get(partition);
    owned.delete(partition);
    options.logger.info({ partition, reason }, "releasing partition");
    await handle
      ?.stop()
      .catch((error: unknown) =>
        options.logger.error({ err: error, partition }, "stopping partition failed"),
      );
    await releaseLease(options.redis, options.leaseKey(partition), options.workerId).catch(() => undefined);
  }

  async function tick(): Promise<void> {
    const alive = await heartbeatWorker(
      options.redis,
      options.registryKey,
      options.workerId,
      Date.now(),
      options.heartbeatMs,
    );
    const fairShare = Math.ceil(options.partitionCount / alive);

    for (const partition of [...owned.keys()]) {
      const renewed = await renewLease(
        options.redis,
        options.leaseKey(partition),
        options.workerId,
        options.leaseMs,
      );
      if (!renewed) await drop(partition, "lease lost");
    }
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
        .catch((error: unknown) => options.logger.warn({ err: error }, "partition ownership tick failed"))
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
        options.logger.warn({ err: error }, "partition ownership tick failed; trying again"),
      );
      schedule();
    },
    owned(): number[] {
      return [...owned.keys()].sort((a, b) => a - b);
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
