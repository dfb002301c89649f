import { Writable } from "node:stream";
import { z } from "@hono/zod-openapi";
import type { ErrorBody } from "@promo/contracts";
import { DomainError, type Locale } from "@promo/domain";
import { createLogger } from "@promo/observability";
import { Hono } from "hono";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { GatewayEnv } from "./env.ts";
import { handleError, validationDetails } from "./errors.ts";

/** A route that fails with `error`, behind the gateway's error handler; the log lines are kept. */
function failingWith(error: Error, locale: Locale = "en") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  const app = new Hono<GatewayEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "r-1");
    c.set("locale", locale);
    c.set("logger", createLogger({ service: "gateway", level: "info", destination }));
    await next();
  });
  app.get("/", () => {
    throw error;
  });
  app.onError(handleError);
  return { app, lines };
}

function terminated(): pg.DatabaseError {
  const error = new pg.DatabaseError("terminating connection due to administrator command", 0, "error");
  error.code = "57P01";
  return error;
}

describe("handleError", () => {
  it("answers 503 SERVICE_UNAVAILABLE with Retry-After when PostgreSQL is away, and logs a warning", async () => {
    for (const error of [terminated(), new Error("Connection terminated unexpectedly")]) {
      const { app, lines } = failingWith(error);
      const response = await app.request("/");
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({
        error: { code: "SERVICE_UNAVAILABLE", details: { retryAfterSeconds: 1 }, requestId: "r-1" },
      });
      expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: "PostgreSQL unavailable" })]);
    }
  });

  it("answers 503 with Retry-After when Redis is away, logged at debug (the outage log warns once)", async () => {
    const gaveUp = Object.assign(new Error("Reached the max retries per request limit (which is 2)."), {
      name: "MaxRetriesPerRequestError",
    });
    for (const error of [gaveUp, new Error("Connection is closed.")]) {
      const { app, lines } = failingWith(error);
      const response = await app.request("/");
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
      // At info nothing: a line per refused request buried the one outage warning.
      expect(lines).toEqual([]);
    }
  });

  it("answers 503 with Retry-After when PostgreSQL broke a deadlock by rolling the request's transaction back", async () => {
    const deadlock = new pg.DatabaseError("deadlock detected", 0, "error");
    deadlock.code = "40P01";
    // As Prisma's driver adapter wraps it (P2034).
    const wrapped = Object.assign(new Error("Transaction failed due to a write conflict or a deadlock."), {
      code: "P2034",
      meta: { driverAdapterError: { cause: { originalCode: "40P01", kind: "TransactionWriteConflict" } } },
    });
    for (const error of [deadlock, wrapped]) {
      const { app, lines } = failingWith(error);
      const response = await app.request("/");
      expect(response.status, error.message).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } });
      expect(lines).toEqual([
        expect.objectContaining({
          level: "warn",
          msg: "transaction rolled back by a conflict: the client may retry",
        }),
      ]);
    }
  });

  it("answers a DomainError's field messages in the request's language, other details as they are", async () => {
    const refusal = () =>
      new DomainError("VALIDATION_ERROR", {
        fields: [
          { path: "cursor", message: "unknown cursor" },
          { path: "pattern", message: "a message the catalog does not know" },
        ],
        samples: [{ code: "A", matched: true }],
      });
    const zhTW = (await (await failingWith(refusal(), "zh-TW").app.request("/")).json()) as ErrorBody;
    expect(zhTW.error).toMatchObject({
      message: "請求內容不正確。",
      details: {
        fields: [
          { path: "cursor", message: "cursor 無效,請使用上一頁回傳的 nextCursor" },
          { path: "pattern", message: "a message the catalog does not know" },
        ],
        samples: [{ code: "A", matched: true }],
      },
    });
    const en = (await (await failingWith(refusal(), "en").app.request("/")).json()) as ErrorBody;
    expect(en.error.details).toEqual(refusal().details);
  });

  it("answers any other unexpected error 500 INTERNAL_ERROR, logged as an error", async () => {
    const { app, lines } = failingWith(new TypeError("Cannot read properties of undefined"));
    const response = await app.request("/");
    expect(response.status).toBe(500);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: "INTERNAL_ERROR" } });
    expect(lines).toEqual([expect.objectContaining({ level: "error", msg: "unhandled error" })]);
  });
});

describe("validationDetails", () => {
  it("tells a field of the wrong type only that, not the length check zod also runs on it", () => {
    const schema = z.object({
      ids: z.array(z.uuid()).max(2),
      name: z.string().max(3),
    });
    const wrong = schema.safeParse({ ids: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b", name: "too long" });
    if (wrong.success) throw new Error("parsed");
    // zod's own issues: the type, and a length check run on the string anyway.
    expect(wrong.error.issues.map((issue) => [issue.path.join("."), issue.code])).toEqual([
      ["ids", "invalid_type"],
      ["ids", "too_big"],
      ["name", "too_big"],
    ]);
    expect(validationDetails(wrong.error)).toEqual({
      fields: [
        { path: "ids", message: "Invalid input: expected array, received string" },
        { path: "name", message: "Too big: expected string to have <=3 characters" },
      ],
    });
  });

  it("says a field the request left out is required", () => {
    const missing = z.object({ code: z.string(), count: z.number().optional() }).safeParse({});
    if (missing.success) throw new Error("parsed");
    expect(missing.error.issues[0]?.message).toBe("Invalid input: expected string, received undefined");
    expect(validationDetails(missing.error)).toEqual({ fields: [{ path: "code", message: "is required" }] });
  });

  it("words every message in the request's locale: zod's, the gateway's and the schema's own", () => {
    const schema = z
      .object({
        code: z.string(),
        quantity: z.number().int().min(1),
        format: z.enum(["json", "xlsx"]),
        amount: z.number().min(0, { message: "must be 0 or more" }),
      })
      .strict();
    const wrong = schema.safeParse({ quantity: 0, format: "pdf", amount: -1, currency: "TWD", extra: 1 });
    if (wrong.success) throw new Error("parsed");
    const fixed = { currency: "cannot be changed once the campaign exists (create another campaign)" };
    expect(validationDetails(wrong.error, fixed, "zh-TW")).toEqual({
      fields: [
        { path: "code", message: "為必填欄位" },
        { path: "quantity", message: "不可小於 1" },
        { path: "format", message: '須為下列其中之一:"json"、"xlsx"' },
        { path: "amount", message: "不可小於 0" },
        { path: "currency", message: "活動建立後即無法修改(請另建新活動)" },
        { path: "extra", message: "不是此請求的欄位" },
      ],
    });
    expect(validationDetails(wrong.error, fixed, "en")).toEqual({
      fields: [
        { path: "code", message: "is required" },
        { path: "quantity", message: "Too small: expected number to be >=1" },
        { path: "format", message: 'Invalid option: expected one of "json"|"xlsx"' },
        { path: "amount", message: "must be 0 or more" },
        { path: "currency", message: fixed.currency },
        { path: "extra", message: "is not a field of this request" },
      ],
    });
  });
});
