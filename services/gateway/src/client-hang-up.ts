import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

/**
 * The status a request gets when its client hung up before the gateway had read it (nginx's 499,
 * "client closed request"): nobody receives it, but the access log and the request metrics then say
 * what happened instead of an outage (before, the body reader's ECONNRESET read as PostgreSQL away:
 * a warning and a 503 for every flaky mobile checkout).
 */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Whether `error` is the client hanging up mid-request: the Node request (`c.env.incoming` under
 * @hono/node-server; absent under `app.request`) ended before its body did, and the error is what
 * reading that body threw, as it is (Node's `aborted`) or as a framework's 400 (a multipart body cut
 * short). Anything else fails as it would have, even when the client is gone too: a real outage
 * must still be told.
 */
export function isClientHangUp(error: unknown, c: Context): boolean {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming?.readableAborted !== true) return false;
  return isAbortedBody(error) || (error instanceof HTTPException && error.status === 400);
}

/** Node's error for a request body whose connection closed first: `aborted`, code ECONNRESET. */
function isAbortedBody(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message === "aborted" &&
    (error as { code?: unknown }).code === "ECONNRESET"
  );
}
