import { errorChain } from "./error-chain.ts";

/** SQLSTATEs of a server that is going away or cannot take the connection now. */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);
/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
/** Prisma's own codes for a server it cannot reach or that closed the connection. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017"]);
/** How @prisma/adapter-pg names the same. */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
/** Prisma's words for no pool connection free within the transaction's maxWait (code P2028). */
const PRISMA_NO_CONNECTION = /Unable to start a transaction in the given time/;
/** pg's words for a connection that ended or never came (it gives them no code). */
const PG_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

function isUnavailableCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  return (
    code.startsWith("08") ||
    UNAVAILABLE_SQLSTATES.has(code) ||
    SOCKET_CODES.has(code) ||
    PRISMA_CODES.has(code)
  );
}

/**
 * Whether `error` says PostgreSQL could not be reached or dropped the connection (a restart, a
 * failover, a terminated backend, no connection slots): a moment's condition, worth a retry, not a
 * fault of the request. Looks through pg's errors, socket errors and Prisma's wrappers (`cause`,
 * `meta.driverAdapterError`).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const fields of errorChain(error)) {
    if (isUnavailableCode(fields.code) || isUnavailableCode(fields.originalCode)) return true;
    if (typeof fields.kind === "string" && ADAPTER_KINDS.has(fields.kind)) return true;
    if (typeof fields.message === "string" && PG_MESSAGES.test(fields.message)) return true;
    if (
      fields.code === "P2028" &&
      typeof fields.message === "string" &&
      PRISMA_NO_CONNECTION.test(fields.message)
    )
      return true;
  }
  return false;
}

/** SQLSTATEs of a transaction PostgreSQL ended to break a conflict: a deadlock, a serialization failure. */
const CONFLICT_SQLSTATES = new Set(["40P01", "40001"]);

/**
 * Whether `error` says PostgreSQL rolled the transaction back to break a conflict with another one
 * (a deadlock or a serialization failure): nothing of it took effect, and running it again is
 * expected to succeed.
 */
export function isTransactionConflict(error: unknown): boolean {
  for (const fields of errorChain(error)) {
    for (const code of [fields.code, fields.originalCode])
      if (typeof code === "string" && CONFLICT_SQLSTATES.has(code)) return true;
  }
  return false;
}
