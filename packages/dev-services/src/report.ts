export type ServiceName = "redis" | "postgres" | "kafka";

/** One service that answers: where, and what was done to get there. */
export type ServiceReport = { name: ServiceName; target: string; note: string };

export type ServiceFailure = { name: ServiceName; message: string };

/** Thrown by ensureServices when at least one service could not be made reachable. */
export class DevServicesError extends Error {
  override readonly name = "DevServicesError";
  constructor(
    readonly reports: readonly ServiceReport[],
    readonly failures: readonly ServiceFailure[],
  ) {
    super(failures.map(formatFailure).join("\n"));
  }
}

const NAME_WIDTH = 10;

/** `redis      ok  redis://127.0.0.1:6379 (already running)` */
export function formatReport(report: ServiceReport): string {
  return `${report.name.padEnd(NAME_WIDTH)} ok  ${report.target} (${report.note})`;
}

export function formatFailure(failure: ServiceFailure): string {
  return `${failure.name.padEnd(NAME_WIDTH)} FAILED  ${failure.message}`;
}

export function formatProgress(name: ServiceName, message: string): string {
  return `${name.padEnd(NAME_WIDTH)} ..  ${message}`;
}

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
