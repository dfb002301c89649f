// From @hono/zod-openapi: the HTTP contract documents its ids with `.openapi(...)`.
import { z } from "@hono/zod-openapi";

/**
 * A UUID from outside (HTTP, Kafka), in its canonical lower-case form. PostgreSQL reads upper-case
 * hex as the same uuid but always answers lower case, and the services compare ids as strings too
 * (processed event ids, confirmed reservations, pending markers and Idempotency-Key scopes), so an
 * id written in upper case must become the id it names before anything compares it.
 */
export const UuidSchema = z.uuid().toLowerCase();
