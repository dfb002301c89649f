import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { describeError, type ErrorCode, resolveLocale } from "@promo/domain";
import { localizeFields } from "./errors.ts";
import { requestIdOf } from "./middleware/request-context.ts";

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
/** A VALIDATION_ERROR refusal naming one part of the request (`path`) and what is wrong with it. */
function fieldRefusal(status: number, reason: string, path: string, message: string): ParserRefusal {
  return {
    status,
    reason,
    code: "VALIDATION_ERROR",
    message: describeError("VALIDATION_ERROR", "en"),
    details: { fields: [{ path, message }] },
  };
}

const MALFORMED = fieldRefusal(400, "Bad Request", "(request)", "is not a valid HTTP request");

/**
 * A request Node's HTTP parser refuses (a request line or headers over its 16 KiB, bytes that are
 * not HTTP) is answered like every other error, `{"error":{code, message, details, requestId}}`,
 * instead of Node's bare status line: 431 (headers too large; code PAYLOAD_TOO_LARGE, details
 * `part: "headers"`), 413, 408 (not received within the request timeout) or 400 VALIDATION_ERROR.
 * So are an `Expect` the server cannot meet (417; Node answered it bare) and CONNECT (405: this is
 * no proxy; Node closed the connection without a word), in the request's language and under its
 * X-Request-Id; a request the parser refused was never read, so its message is in English. The
 * connection is closed.
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
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) =>
    answer(request, response, EXPECTATION_FAILED),
  );
  server.on("connect", (request: IncomingMessage, socket: Duplex) => {
    socket.end(rawAnswer(CONNECT_REFUSED, request));
  });
}

const EXPECTATION_FAILED = fieldRefusal(417, "Expectation Failed", "Expect", "only 100-continue is met");
const CONNECT_REFUSED: ParserRefusal = {
  status: 405,
  reason: "Method Not Allowed",
  code: "METHOD_NOT_ALLOWED",
  message: describeError("METHOD_NOT_ALLOWED", "en"),
  details: { method: "CONNECT" },
};
const NO_HOST = fieldRefusal(400, "Bad Request", "Host", "is required in HTTP/1.1");
const BAD_HOST = fieldRefusal(
  400,
  "Bad Request",
  "Host",
  "is not a host name or address with an optional port",
);

/** A host name, an IPv4 address or a bracketed IPv6 one, and an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]\\]+)(?::(\d{1,5}))?$/;

/** The last Host found good: a keep-alive client sends the same one on every request. */
let lastGoodHost = "";

function isHost(host: string): boolean {
  if (host === lastGoodHost) return true;
  const match = HOST.exec(host);
  if (!match || (match[1] !== undefined && Number(match[1]) > 65_535)) return false;
  try {
    new URL(`http://${host}/`);
  } catch {
    return false;
  }
  lastGoodHost = host;
  return true;
}

/**
 * The gateway's request listener behind what the adapter refuses bare, before a route could answer:
 * a request without `Host` in HTTP/1.0, where it is optional (a load balancer's health check, as
 * HAProxy's `option httpchk` sends it), is read as for `localhost` instead of 400 with no body; one
 * in HTTP/1.1, where it is required, gets 400 in the error shape (with Node's `requireHostHeader`
 * off, so that it reaches here), and so do a `Host` that is no host (`a b`, `user@a`, `a:99999`) and
 * a request target that is neither a path nor an absolute URL (`OPTIONS *`). An absolute-form target
 * (`GET http://host/healthz`, which RFC 9112 has servers take) goes on to the adapter, which reads it.
 */
export function withHostRules(listener: RequestListener): RequestListener {
  return (request, response) => {
    const target = request.url ?? "";
    if (!target.startsWith("/") && !/^https?:\/\//i.test(target)) return answer(request, response, MALFORMED);
    const host = request.headers.host;
    if (host === undefined || host === "") {
      if (request.httpVersion !== "1.0") return answer(request, response, NO_HOST);
      request.headers.host = "localhost";
    } else if (!isHost(host)) return answer(request, response, BAD_HOST);
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

/**
 * The refusal in the error shape, in the request's language when its headers were read (`request`),
 * with its X-Request-Id (the caller's when sane, as every other answer does).
 */
function bodyOf(refusal: ParserRefusal, request?: IncomingMessage): { body: string; requestId: string } {
  const requestId = requestIdOf(headerOf(request, "x-request-id"));
  const locale = resolveLocale(headerOf(request, "accept-language"));
  const message = locale === "en" ? refusal.message : describeError(refusal.code, locale);
  const details = localizeFields(refusal.details, locale);
  return {
    requestId,
    body: JSON.stringify({
      error: { code: refusal.code, message, ...(details ? { details } : {}), requestId },
    }),
  };
}

function headerOf(request: IncomingMessage | undefined, name: string): string | undefined {
  const value = request?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function rawAnswer(refusal: ParserRefusal, request?: IncomingMessage): string {
  const { body, requestId } = bodyOf(refusal, request);
  const allow = refusal.status === 405 ? "allow: GET, HEAD, POST, PATCH, DELETE\r\n" : "";
  return `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n${allow}connection: close\r\n\r\n${body}`;
}

function answer(request: IncomingMessage, response: ServerResponse, refusal: ParserRefusal): void {
  const { body, requestId } = bodyOf(refusal, request);
  response.writeHead(refusal.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId,
    connection: "close",
  });
  response.end(body);
}
