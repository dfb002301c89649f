import {
  type DeadLetterReason,
  findUnstorableText,
  type OrderEvent,
  OrderEventSchema,
} from "@promo/contracts";

export type ParsedMessage =
  | { kind: "event"; event: OrderEvent }
  | {
      kind: "dead";
      reason: Extract<DeadLetterReason, "malformed" | "unknown_type" | "invalid">;
      error: string;
    };

const KNOWN_TYPES = new Set(["order.placed", "order.cancelled"]);

// A leading byte order mark is dropped, as RFC 8259 lets a reader do.
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One `orders` message: JSON, of a type we know, matching its schema, with no string PostgreSQL could
 * not store (U+0000, a lone surrogate); otherwise why not (the message then goes to the dead-letter topic with
 * that reason and its original bytes).
 */
export function parseOrderMessage(value: Buffer | null): ParsedMessage {
  if (value === null || value.length === 0)
    return { kind: "dead", reason: "malformed", error: "empty message" };
  let text: string;
  try {
    // JSON is UTF-8 (RFC 8259): bytes that are not are refused, never decoded into U+FFFD, which would
    // turn different order numbers into one.
    text = UTF8.decode(value);
  } catch {
    return { kind: "dead", reason: "malformed", error: "not JSON: the bytes are not UTF-8 text" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: "dead", reason: "malformed", error: `not JSON: ${(error as Error).message}` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { kind: "dead", reason: "invalid", error: "(event): must be a JSON object" };
  }
  const type = (json as { type?: unknown }).type;
  if (type === undefined || type === null) {
    return { kind: "dead", reason: "invalid", error: "type: is required (order.placed or order.cancelled)" };
  }
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
    return {
      kind: "dead",
      reason: "unknown_type",
      error: `unknown event type ${JSON.stringify(type)}`,
    };
  }
  const parsed = OrderEventSchema.safeParse(json);
  if (!parsed.success) return { kind: "dead", reason: "invalid", error: describeIssues(parsed.error.issues) };
  // Text PostgreSQL could not store: applied with its batch, it would fail the batch again and again.
  const unstorable = findUnstorableText(parsed.data);
  if (unstorable !== null) return { kind: "dead", reason: "invalid", error: describeIssues([unstorable]) };
  return { kind: "event", event: parsed.data };
}

/** `path: message` per problem (zod issues or text PostgreSQL could not store), `; ` between them. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join(".") || "(event)"}: ${issue.message}`)
    .join("; ");
}
