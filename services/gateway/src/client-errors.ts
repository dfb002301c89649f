import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { Socket } from "node:net";
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
 * The request was never read, so the message is in English, and the connection is closed.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, reason, code, message, details } = REFUSAL_BY_PARSER_ERROR[error.code ?? ""] ?? MALFORMED;
    const body = JSON.stringify({
      error: { code, message, ...(details ? { details } : {}), requestId: randomUUID() },
    });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
