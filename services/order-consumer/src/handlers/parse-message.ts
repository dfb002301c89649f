import { findUnstorableText, formatTextPath, type OrderEvent, OrderEventSchema } from "@promo/contracts";

export type ParsedMessage =
  | { kind: "event"; event: OrderEvent }
  | { kind: "dead"; reason: "malformed" | "unknown_type" | "invalid"; error: string };

const KNOWN_TYPES = new Set(["order.placed", "order.cancelled"]);

/**
 * One `orders` message: JSON, of a type we know, matching its schema, with no string PostgreSQL could
 * not store (U+0000, a lone surrogate); otherwise why not (the message then goes to the dead-letter topic with
 * that reason and its original bytes).
 */
export function parseOrderMessage(value: Buffer | null): ParsedMessage {
  if (value === null || value.length === 0)
    return { kind: "dead", reason: "malformed", error: "empty message" };
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return { kind: "dead", reason: "malformed", error: `not JSON: ${(error as Error).message}` };
  }
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
    return {
      kind: "dead",
      reason: "unknown_type",
      error: `unknown event type ${JSON.stringify(type ?? null)}`,
    };
  }
  const parsed = OrderEventSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(event)"}: ${issue.message}`,
    );
    return { kind: "dead", reason: "invalid", error: problems.join("; ") };
  }
  // PostgreSQL could not store it: applied with its batch, it would fail the batch again and again.
  const unstorable = findUnstorableText(parsed.data);
  if (unstorable !== null)
    return {
      kind: "dead",
      reason: "invalid",
      error: `${formatTextPath(unstorable.path, "(event)")}: ${unstorable.message}`,
    };
  return { kind: "event", event: parsed.data };
}
