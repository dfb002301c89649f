import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "@promo/domain";
import { UuidSchema } from "../uuid.ts";

/** The closed list of error codes; the OpenAPI document's description tables statuses and messages. */
export const ErrorCodeSchema = z.enum(ERROR_CODES).openapi("ErrorCode", {
  example: "USAGE_LIMIT_REACHED",
  description: "Every error code the API answers; see the error table in the API description.",
});

/** Every error answer: `{ error: { code, message, details?, requestId } }`. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const IdSchema = UuidSchema.openapi({ example: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b" });

export const IdParamsSchema = z.object({
  id: IdSchema.openapi({ param: { name: "id", in: "path" } }),
});

/**
 * The instants (ms since the epoch) a date-time input, and a page cursor's time, may name: years
 * 1970 to 9999 in UTC (ISO 8601 without an expanded year; this system stamps nothing before 1970).
 */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const DATE_TIME_FORM = "must be an ISO 8601 date-time with an offset, e.g. 2026-11-11T00:00:00+08:00";

/**
 * A date-time written in the right form that names a day, time or offset the calendar does not have
 * (`2026-02-30`, hour 24, an offset past 23:59): told so, rather than how to write a date-time.
 */
export const NO_SUCH_DATE_TIME =
  "is written as a date-time but names a day, time or offset that does not exist";
const DATE_TIME_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Why a value that is not a date-time is refused: its form (`form`), or a date that does not exist. */
export function dateTimeProblem(value: unknown, form: string): string {
  return typeof value === "string" && DATE_TIME_SHAPE.test(value) ? NO_SUCH_DATE_TIME : form;
}

/**
 * The instant of an ISO 8601 date-time, rounded up to the millisecond when it has finer digits
 * (`…10.1425Z` is `…10.143Z`). Every time here is stored to the millisecond, so for each bound of a
 * range or window (`[from, to)`, `[startsAt, endsAt)`) the rounded-up instant selects exactly the
 * stored times the exact one would; cut down instead, `to=…10.1425Z` left out a time of `…10.142Z`.
 */
function instantOf(value: string): Date {
  const instant = new Date(value);
  const finer = /\.\d{3}(\d+)/.exec(value)?.[1];
  return finer && /[1-9]/.test(finer) ? new Date(instant.getTime() + 1) : instant;
}

/**
 * An offset written `+08` or `+0800` (ISO 8601 allows the first; Python's `%z` and PHP's ISO 8601
 * format write the second) as `+08:00`, the form RFC 3339 and the validator take. Nothing else changes.
 */
const OFFSET_WITHOUT_COLON = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-])(\d{2})(\d{2})?$/;

export function withColonInOffset(value: unknown): unknown {
  return typeof value === "string"
    ? value.replace(
        OFFSET_WITHOUT_COLON,
        (_, time: string, sign: string, hours: string, minutes?: string) =>
          `${time}${sign}${hours}:${minutes ?? "00"}`,
      )
    : value;
}

function dateTimeInput(error: string) {
  return z.preprocess(
    withColonInOffset,
    z.iso
      // A field left out is told so, as every other field is (not how to write a date-time).
      .datetime({
        offset: true,
        error: (issue) => (issue.input === undefined ? "is required" : dateTimeProblem(issue.input, error)),
      })
      .transform(instantOf)
      .refine(
        (instant) => instant.getTime() >= EARLIEST_INSTANT && instant.getTime() <= LATEST_INSTANT,
        "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z",
      ),
  );
}

/** ISO 8601 with an offset in; stored and answered in UTC. */
export const DateTimeInputSchema = dateTimeInput(DATE_TIME_FORM).openapi({
  type: "string",
  format: "date-time",
  example: "2026-11-11T00:00:00+08:00",
});

/**
 * A date-time in a query string. A "+" sent there unencoded arrives as a space (the form encoding of
 * a query string), so a space where an offset's sign belongs (`…T00:00:00 08:00`) is read as "+":
 * nothing else could be meant.
 */
export const DateTimeQuerySchema = z
  .preprocess(
    (value) =>
      typeof value === "string" ? value.replace(/^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$/, "$1+$2") : value,
    dateTimeInput(`${DATE_TIME_FORM} (in a query string, + as %2B)`),
  )
  .openapi({ type: "string", format: "date-time", example: "2026-11-11T00:00:00+08:00" });

/**
 * A PATCH body with no field to change is refused, unless it already is for its fields: a body of
 * fields the resource does not have is named for those, not also as empty.
 */
export const NOTHING_TO_CHANGE = {
  message: "nothing to change",
  when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
};

/** A list's items once each, in the order first given: a product listed twice is one product. */
export function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export const DateTimeOutputSchema = z.iso.datetime().openapi({ example: "2026-11-10T16:00:00.000Z" });

/** Integer minor units from `min` (TWD has 0 decimals, USD 2). */
function moneyFrom(min: 0 | 1) {
  return (
    z
      .number()
      // Out of range first, and alone: zod's integer check also fails a whole number past 2^53 - 1.
      .min(min, { message: min === 0 ? "must be 0 or more" : "must be at least 1", abort: true })
      .max(Number.MAX_SAFE_INTEGER, { message: "must be at most 9,007,199,254,740,991", abort: true })
      .int("must be an integer amount in minor units")
      .openapi({ example: 500 })
  );
}

/** Integer minor units (TWD has 0 decimals, USD 2). */
export const MoneySchema = moneyFrom(0);

/** An amount that must be more than nothing (a fixed discount): -1 and 0 read "must be at least 1". */
export const PositiveMoneySchema = moneyFrom(1);

export const CurrencySchema = z
  .string()
  // A malformed code stops here: "twd" gets one message, not a second saying it is no currency.
  .regex(/^[A-Z]{3}$/, { message: "must be an ISO 4217 code such as TWD or USD", abort: true })
  .refine((code) => SUPPORTED_CURRENCIES.has(code), "is not an ISO 4217 currency")
  .openapi({ example: "TWD" });

const SUPPORTED_CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/**
 * A whole-number query parameter between `min` and `max`, `fallback` when absent. Only decimal
 * digits are a number: an empty value (`?wait=`), `0x10`, `1e3` or the parameter given twice is
 * refused, where a plain coercion would read 0, 16, 1000 or NaN.
 */
export function queryInteger(min: number, max: number, fallback: number) {
  const wholeNumber = "must be a whole number";
  return z
    .preprocess(
      (value) =>
        typeof value === "number" || (typeof value === "string" && /^\s*-?\d+\s*$/.test(value))
          ? Number(value)
          : Number.NaN,
      z
        .number({ error: wholeNumber })
        .int(wholeNumber)
        .min(min, `must be at least ${min.toLocaleString("en")}`)
        .max(max, `must be at most ${max.toLocaleString("en")}`),
    )
    .default(fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback });
}

/**
 * A page's `cursor`: the `nextCursor` of the page before. Empty, or left out, asks for the first page
 * (a client that builds its URL as `cursor=${next ?? ""}` sends it empty).
 */
export const PageCursorSchema = z
  .string()
  .max(200)
  .optional()
  .transform((cursor) => (cursor === "" ? undefined : cursor))
  .openapi({
    type: "string",
    maxLength: 200,
    description: "nextCursor of the previous page; empty or absent: the first page",
  });

/**
 * The query of a merchant or admin route that takes no parameters: any one is refused, naming it
 * (a `?dryRun=true` on archive must not archive for real).
 */
export const NoQuerySchema = z.strictObject({});

export const PageQuerySchema = z.strictObject({
  limit: queryInteger(1, 500, 50),
  cursor: PageCursorSchema,
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
