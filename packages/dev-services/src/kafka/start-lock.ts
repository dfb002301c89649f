import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { isProcessAlive } from "../processes.ts";
import { sleep } from "../wait.ts";

const LOCK_WAIT_MS = 10 * 60_000;
const LOCK_POLL_MS = 250;
/** A lock without a readable pid this old was left by a process that died while writing it. */
const UNREADABLE_LOCK_STALE_MS = 5_000;

function readLockHolder(lockPath: string): number | null {
  try {
    const pid = Number(readFileSync(lockPath, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function readLockAgeMs(lockPath: string): number {
  try {
    return Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function tryCreateLock(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function isLockStale(lockPath: string): boolean {
  const holder = readLockHolder(lockPath);
  if (holder === null) return readLockAgeMs(lockPath) > UNREADABLE_LOCK_STALE_MS;
  return !isProcessAlive(holder);
}

/**
 * Runs `work` holding an exclusive lock file (created with O_EXCL), so two `npm run services` never
 * start two brokers. A lock whose process is gone is taken over.
 */
export async function withStartLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!tryCreateLock(lockPath)) {
    if (isLockStale(lockPath)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another process (pid ${readLockHolder(lockPath) ?? "unknown"}) has been starting Kafka for ${LOCK_WAIT_MS / 60_000} minutes (lock ${lockPath}); stop it or remove the lock.`,
      );
    }
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
