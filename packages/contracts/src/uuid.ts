// From @hono/zod-openapi: the HTTP contract documents its ids with `.openapi(...)`.
import { z } from "@hono/zod-openapi";

/**
 * A UUID from outside (HTTP, Kafka), in its canonical lower-case form. PostgreSQL reads upper-case
 * hex as the same uuid but always answers lower case, and the services compare ids as strings too
 * (processed event ids, confirmed reservations, pending markers and Idempotency-Key scopes), so an
 * id written in upper case must become the id it names before anything compares it.
 */
export const UuidSchema = z.uuid().toLowerCase();

/**
 * An id another system made (an order event's `eventId`): any UUID, 8-4-4-4-12 hex digits, whatever
 * its version and variant bits (PostgreSQL's uuid takes them all; an order system's ids need not
 * follow RFC 9562), in the canonical lower-case form as UuidSchema.
 */
export const ForeignUuidSchema = z.guid().toLowerCase();
