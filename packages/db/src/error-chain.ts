/** The fields of an error this package reads, wherever in its chain they are. */
export type ErrorFields = {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  constraint?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

/**
 * An error and everything it wraps, each once: `cause`, and Prisma's `meta.driverAdapterError`
 * (how @prisma/adapter-pg passes on pg's error).
 */
export function* errorChain(error: unknown): Generator<ErrorFields> {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const fields = current as ErrorFields;
    yield fields;
    pending.push(fields.cause, fields.meta?.driverAdapterError);
  }
}
