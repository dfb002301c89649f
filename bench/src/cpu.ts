import { readdirSync, readFileSync } from "node:fs";
import type { ServiceProcess } from "@promo/testing/processes";

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) used so far by each process and its children (tsx runs the app in a child). */
export async function processCpuSeconds(processes: readonly ServiceProcess[]): Promise<number[]> {
  return processes.map((service) => treeCpu(service.child.pid ?? 0));
}

function treeCpu(pid: number): number {
  let total = ownCpu(pid);
  for (const child of childrenOf(pid)) total += treeCpu(child);
  return total;
}

function ownCpu(pid: number): number {
  return cpuOf(pid).own;
}

/** utime + stime of the process, and cutime + cstime: what its children that ended and were reaped used. */
function cpuOf(pid: number): { own: number; reapedChildren: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
      reapedChildren: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS,
    };
  } catch {
    return { own: 0, reapedChildren: 0 };
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds used so far by every process whose command name is `name` (redis-server, postgres),
 * counting the ones that have ended too: a PostgreSQL backend that exits during a run takes its
 * seconds out of the live processes' sum and they reappear in the postmaster's reaped-children
 * time, so the difference of two readings stays the CPU used in between.
 */
export function commandCpuSeconds(name: string): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== name) continue;
      const cpu = cpuOf(Number(entry));
      total += cpu.own + cpu.reapedChildren;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** The machine's CPU time so far, from /proc/stat's first line (clock ticks, all cores together). */
export type MachineCpu = { busy: number; idle: number; steal: number };

export function machineCpu(): MachineCpu {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
  } catch {
    return { busy: 0, idle: 0, steal: 0 };
  }
}

/** How busy the whole machine was between two readings: shares of its time, 0 to 1. */
export function machineLoadBetween(before: MachineCpu, after: MachineCpu): { busy: number; steal: number } {
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const total = busy + steal + (after.idle - before.idle);
  return total > 0 ? { busy: busy / total, steal: steal / total } : { busy: 0, steal: 0 };
}
