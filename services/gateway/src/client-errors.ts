import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { describeError, type ErrorCode } from "@promo/domain";

/** What Node's HTTP parser refuses before any route runs, in the API's own error shape. */
type ParserRefusal = {
  status: number;
  reason: string;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
};
const REFUSAL_BY_PARSER_ERROR: Readonly<Record<string, ParserRefusal>> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "PAYLOAD_TOO_LARGE",
    message: "The request's URL or headers are too large.",
    details: { part: "headers" },
  },
  // The request's headers or body did not arrive within the server's request timeout.
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: "Request Timeout",
    code: "VALIDATION_ERROR",
    message: "The request did not arrive in time.",
    details: {
      fields: [{ path: "(request)", message: "did not arrive within the server's request timeout" }],
    },
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    reason: "Payload Too Large",
    code: "PAYLOAD_TOO_LARGE",
    message: describeError("PAYLOAD_TOO_LARGE", "en"),
  },
};
const MALFORMED: ParserRefusal = {
  status: 400,
  reason: "Bad Request",
  code: "VALIDATION_ERROR",
  message: describeError("VALIDATION_ERROR", "en"),
  details: { fields: [{ path: "(request)", message: "is not a valid HTTP request" }] },
};

/**
 * A request Node's HTTP parser refuses (a request line or headers over its 16 KiB, bytes that are
 * not HTTP) is answered like every other error, `{"error":{code, message, details, requestId}}`,
 * instead of Node's bare status line: 431 (headers too large; code PAYLOAD_TOO_LARGE, details
 * `part: "headers"`), 413, 408 (not received within the request timeout) or 400 VALIDATION_ERROR.
 * So are an `Expect` the server cannot meet (417; Node answered it bare) and CONNECT (405: this is
 * no proxy; Node closed the connection without a word). The request was never read, so the message
 * is in English, and the connection is closed.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal = REFUSAL_BY_PARSER_ERROR[error.code ?? ""] ?? MALFORMED;
    socket.end(rawAnswer(refusal));
  });
  server.on("checkExpectation", (_request: IncomingMessage, response: ServerResponse) =>
    answer(response, EXPECTATION_FAILED),
  );
  server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
    socket.end(rawAnswer(CONNECT_REFUSED));
  });
}

const EXPECTATION_FAILED: ParserRefusal = {
  status: 417,
  reason: "Expectation Failed",
  code: "VALIDATION_ERROR",
  message: describeError("VALIDATION_ERROR", "en"),
  details: { fields: [{ path: "Expect", message: "only 100-continue is met" }] },
};
const CONNECT_REFUSED: ParserRefusal = {
  status: 405,
  reason: "Method Not Allowed",
  code: "METHOD_NOT_ALLOWED",
  message: describeError("METHOD_NOT_ALLOWED", "en"),
  details: { method: "CONNECT" },
};
const NO_HOST: ParserRefusal = {
  ...MALFORMED,
  details: { fields: [{ path: "Host", message: "is required in HTTP/1.1" }] },
};

/**
 * The gateway's request listener behind what the adapter refuses bare, before a route could answer:
 * a request without `Host` in HTTP/1.0, where it is optional (a load balancer's health check, as
 * HAProxy's `option httpchk` sends it), is read as for `localhost` instead of 400 with no body; one
 * in HTTP/1.1, where it is required, gets 400 in the error shape (with Node's `requireHostHeader`
 * off, so that it reaches here); and a request target that is not a path (`OPTIONS *`) 400 too.
 */
export function withHostRules(listener: RequestListener): RequestListener {
  return (request, response) => {
    if (!request.url?.startsWith("/")) return answer(response, MALFORMED);
    if (!request.headers.host) {
      if (request.httpVersion !== "1.0") return answer(response, NO_HOST);
      request.headers.host = "localhost";
    }
    return listener(request, response);
  };
}

/**
 * The gateway's HTTP server, as @hono/node-server's `createServer` option makes it (with its server
 * options and request listener): Node's `requireHostHeader` off, a missing Host being withHostRules'
 * to answer.
 */
export const createGatewayServer = ((options: ServerOptions, listener: RequestListener) =>
  createServer({ ...options, requireHostHeader: false }, withHostRules(listener))) as typeof createServer;

function bodyOf({ code, message, details }: ParserRefusal, requestId: string): string {
  return JSON.stringify({ error: { code, message, ...(details ? { details } : {}), requestId } });
}

function rawAnswer(refusal: ParserRefusal): string {
  const requestId = randomUUID();
  const body = bodyOf(refusal, requestId);
  const allow = refusal.status === 405 ? "allow: GET, HEAD, POST, PATCH, DELETE, OPTIONS\r\n" : "";
  return `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n${allow}connection: close\r\n\r\n${body}`;
}

function answer(response: ServerResponse, refusal: ParserRefusal): void {
  const requestId = randomUUID();
  const body = bodyOf(refusal, requestId);
  response.writeHead(refusal.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId,
    connection: "close",
  });
  response.end(body);
}
