/**
 * Reservation work is partitioned by code: every request for one store's code lands in the same
 * queue partition, so one worker decides it in queue order, while different codes spread over
 * partitions (and so over worker processes).
 */
export const DEFAULT_PARTITION_COUNT = 16;

/** FNV-1a, 32 bit: stable across processes and releases (changing it would reorder live queues). */
export function hashKey(value: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function partitionOf(storeId: string, codeKey: string, partitionCount: number): number {
  return hashKey(`${storeId}:${codeKey}`) % partitionCount;
}

/**
 * Queue name of a partition. The braces are a Redis Cluster hash tag: all keys of one partition
 * (`<prefix>:{reservations-07}:wait`, `...:id`, the lease) share a slot, different partitions
 * spread over the cluster.
 */
export function reservationQueueName(partition: number): string {
  return `{reservations-${String(partition).padStart(2, "0")}}`;
}

export function partitionKey(prefix: string, partition: number, suffix: string): string {
  return `${prefix}:${reservationQueueName(partition)}:${suffix}`;
}
