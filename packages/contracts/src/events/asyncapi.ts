import { z } from "zod";
import { AlertEventSchema } from "./alert-events.ts";
import { EVENT_HEADERS, TOPICS, type TopicName } from "./envelope.ts";
import { DEAD_LETTER_HEADERS, DEAD_LETTER_REASONS, OrderEventSchema } from "./order-events.ts";
import { RedemptionEventSchema } from "./redemption-events.ts";

type EventUnion = z.ZodDiscriminatedUnion<z.ZodObject<{ type: z.ZodLiteral<string> }>[], "type">;

type TopicEntry = {
  /** From the system's point of view: `receive` = order systems produce it, `send` = we publish it. */
  action: "send" | "receive";
  description: string;
  key: string;
  /** Typed JSON events, one message per `type`; null for the dead-letter topic (original bytes). */
  events: EventUnion | null;
};

/** Every logical topic and what travels on it (SPEC §6, §7). */
export const EVENT_CATALOGUE: Record<TopicName, TopicEntry> = {
  orders: {
    action: "receive",
    description: "Order systems tell us an order was placed with a reservation, or cancelled.",
    key: "order number (keeps one order's events in order)",
    events: OrderEventSchema as unknown as EventUnion,
  },
  ordersDeadLetter: {
    action: "send",
    description:
      "Order messages that could not be applied (x-dlq-reason: malformed, unknown_type, invalid, unknown_reservation, unknown_order, unknown_store, event_id_reused; the unknown_ ones were not recorded as processed, so a letter replayed once what it names exists applies): the original bytes, untouched, with the reason in headers. A message the broker would not take with those headers added goes without its value and original headers, with x-dlq-value-omitted giving the value's size; it stays at its offset in the original topic.",
    key: "the original message's key",
    events: null,
  },
  redemptions: {
    action: "send",
    description: "Every reservation state change, in order per code, published from the outbox.",
    key: "the code's upper-cased key (order per code)",
    events: RedemptionEventSchema as unknown as EventUnion,
  },
  alerts: {
    action: "send",
    description:
      "Misuse alerts: a code's redemptions exceed its velocity, or come from outside its member groups.",
    key: "the code's upper-cased key",
    events: AlertEventSchema as unknown as EventUnion,
  },
};

type JsonObject = Record<string, unknown>;

function eventTypeOf(variant: z.ZodObject<{ type: z.ZodLiteral<string> }>): string {
  return String(variant.shape.type.value);
}

function messageId(type: string): string {
  return type.replace(/[^A-Za-z0-9]+/g, "_");
}

/** The message key as the Kafka binding describes it. */
function kafkaKeyBinding(key: string): JsonObject {
  return { kafka: { key: { type: "string", description: key }, bindingVersion: "0.5.0" } };
}

/** The headers every event we publish carries (EVENT_HEADERS). */
function eventHeadersOf(type: string): JsonObject {
  return {
    type: "object",
    properties: {
      [EVENT_HEADERS.type]: { type: "string", const: type, description: "the event's type" },
      [EVENT_HEADERS.id]: { type: "string", format: "uuid", description: "the event's eventId" },
    },
    required: [EVENT_HEADERS.type, EVENT_HEADERS.id],
  };
}

/**
 * AsyncAPI 3.0 document of the Kafka contract, generated from the same zod schemas that parse and
 * build the events. `topics` maps logical topics to this deployment's physical names.
 */
export function buildAsyncApiDocument(
  topics: Record<TopicName, string> = { ...TOPICS },
  servers: { host: string } = { host: "localhost:9092" },
): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  for (const [name, entry] of Object.entries(EVENT_CATALOGUE) as [TopicName, TopicEntry][]) {
    const channelMessages: JsonObject = {};
    if (entry.events) {
      for (const variant of entry.events.options) {
        const type = eventTypeOf(variant);
        const id = messageId(type);
        messages[id] = {
          name: type,
          title: type,
          contentType: "application/json",
          // What we receive is described as it is read (fields we do not know are ignored, so no
          // additionalProperties: false); what we send, as it is written.
          payload: z.toJSONSchema(variant, {
            io: entry.action === "receive" ? "input" : "output",
            unrepresentable: "any",
          }),
          bindings: kafkaKeyBinding(entry.key),
          // Ours carry their type and id in headers too; an order system's need not.
          ...(entry.action === "send" ? { headers: eventHeadersOf(type) } : {}),
        };
        channelMessages[id] = { $ref: `#/components/messages/${id}` };
      }
    } else {
      const id = `${name}_message`;
      messages[id] = {
        name: `${TOPICS[name]} message`,
        contentType: "application/octet-stream",
        headers: {
          type: "object",
          properties: Object.fromEntries(
            Object.entries(DEAD_LETTER_HEADERS).map(([field, header]) => [
              header,
              header === DEAD_LETTER_HEADERS.reason
                ? {
                    type: "string",
                    enum: Object.keys(DEAD_LETTER_REASONS),
                    description: Object.entries(DEAD_LETTER_REASONS)
                      .map(([reason, meaning]) => `${reason}: ${meaning}`)
                      .join("; "),
                  }
                : { type: "string", description: field },
            ]),
          ),
        },
        payload: { type: "string", description: "The original message value, byte for byte." },
        bindings: kafkaKeyBinding(entry.key),
      };
      channelMessages[id] = { $ref: `#/components/messages/${id}` };
    }
    channels[name] = {
      address: topics[name],
      description: `${entry.description} Key: ${entry.key}.`,
      messages: channelMessages,
    };
    operations[`${entry.action}_${name}`] = {
      action: entry.action,
      channel: { $ref: `#/channels/${name}` },
      messages: Object.keys(channelMessages).map((id) => ({ $ref: `#/channels/${name}/messages/${id}` })),
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Promo-code redemption events",
      version: "1.0.0",
      description:
        "Kafka contract (SPEC §6): order events in, reservation state changes and alerts out. Every event carries eventId, storeId and occurredAt (ISO 8601, UTC); consumers dedupe on eventId.",
    },
    defaultContentType: "application/json",
    servers: { kafka: { host: servers.host, protocol: "kafka" } },
    channels,
    operations,
    components: { messages },
  };
}
