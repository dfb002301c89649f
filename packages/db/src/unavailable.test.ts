import pg from "pg";
import { describe, expect, it } from "vitest";
import { PrismaClientKnownRequestError } from "./generated/prisma/internal/prismaNamespace.ts";
import { isDatabaseUnavailable, isTransactionConflict } from "./unavailable.ts";

function pgError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, "error");
  error.code = code;
  error.severity = "FATAL";
  return error;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: "connect" });
}

/** As Prisma reports a driver error through @prisma/adapter-pg. */
function prismaError(code: string, cause: Record<string, unknown>) {
  return new PrismaClientKnownRequestError("Invalid `db.apiKey.findUnique()` invocation", {
    code,
    clientVersion: "7.10.0",
    meta: {
      modelName: "ApiKey",
      driverAdapterError: Object.assign(new Error("DriverAdapterError"), { cause }),
    },
  });
}

describe("isDatabaseUnavailable", () => {
  it("recognizes a dropped or refused connection however pg, Node.js or Prisma report it", () => {
    const unavailable = [
      pgError("57P01", "terminating connection due to administrator command"),
      pgError("57P03", "the database system is starting up"),
      pgError("08006", "connection failure"),
      pgError("53300", "sorry, too many clients already"),
      socketError("ECONNREFUSED"),
      socketError("ECONNRESET"),
      socketError("EPIPE"),
      new Error("Connection terminated unexpectedly"),
      new Error("Client has encountered a connection error and is not queryable"),
      new Error("timeout exceeded when trying to connect"),
      prismaError("P2010", { kind: "postgres", code: "57P01", message: "terminating connection" }),
      prismaError("P1001", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 }),
      prismaError("P2010", { kind: "ConnectionClosed" }),
      Object.assign(new Error("Transaction API error: Unable to start a transaction in the given time."), {
        code: "P2028",
      }),
      new Error("transaction failed", { cause: socketError("ECONNRESET") }),
    ];
    for (const error of unavailable) expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it("leaves every fault of the request or the code alone", () => {
    const faults = [
      pgError("23505", "duplicate key value violates unique constraint"),
      pgError("40001", "could not serialize access"),
      pgError("22P02", "invalid input syntax for type uuid"),
      prismaError("P2002", { kind: "UniqueConstraintViolation" }),
      prismaError("P2010", { kind: "postgres", code: "42P01", message: "relation does not exist" }),
      new Error("transaction ended with ROLLBACK, not COMMIT"),
      // The transaction ran past its own timeout: the request's doing, not a connection's.
      Object.assign(new Error("Transaction API error: Transaction already closed: expired."), {
        code: "P2028",
      }),
      new TypeError("Cannot read properties of undefined"),
      "ECONNREFUSED",
      null,
    ];
    for (const error of faults) expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it("does not loop on an error that is its own cause", () => {
    const error = new Error("loop") as Error & { cause?: unknown };
    error.cause = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe("isTransactionConflict", () => {
  it("knows a deadlock and a serialization failure, from pg or through Prisma's wrappers", () => {
    for (const error of [
      pgError("40P01", "deadlock detected"),
      pgError("40001", "could not serialize access"),
      prismaError("P2010", { kind: "postgres", code: "40P01", message: "deadlock detected" }),
      new Error("transaction failed", { cause: pgError("40P01", "deadlock detected") }),
    ])
      expect(isTransactionConflict(error), String(error)).toBe(true);
  });

  it("leaves everything else alone", () => {
    for (const error of [
      pgError("23505", "duplicate key value violates unique constraint"),
      pgError("57P01", "terminating connection"),
      prismaError("P2010", { kind: "postgres", code: "42P01", message: "relation does not exist" }),
      new Error("40P01"),
      null,
    ])
      expect(isTransactionConflict(error), String(error)).toBe(false);
  });
});
