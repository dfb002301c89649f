import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientErrorsAsJson, createGatewayServer } from "./client-errors.ts";

let server: Server;
let port: number;

beforeAll(async () => {
  // As the gateway's: withHostRules in front of a listener that says which host it was asked for.
  server = createGatewayServer({}, (request, response) =>
    response.end(JSON.stringify({ host: request.headers.host ?? null })),
  );
  answerClientErrorsAsJson(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  port = address.port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends raw bytes (then ends its side, unless told not to) and reads the answer until the server closes the connection. */
function exchange(
  raw: string,
  to = port,
  endAfterSending = true,
): Promise<{ statusLine: string; headers: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, "127.0.0.1", () => (endAfterSending ? socket.end(raw) : socket.write(raw)));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      const [statusLine = "", ...headers] = head.split("\r\n");
      resolve({ statusLine, headers: headers.join("\n").toLowerCase(), body: JSON.parse(body) });
    });
  });
}

describe("answerClientErrorsAsJson", () => {
  it("answers a URL over Node's header limit with 431 in the API's error shape", async () => {
    const answer = await exchange(`GET /v1/codes/${"A".repeat(50_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expect(answer.statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(answer.headers).toContain("content-type: application/json");
    expect(answer.headers).toContain(
      `x-request-id: ${(answer.body as { error: { requestId: string } }).error.requestId}`,
    );
    expect(answer.body).toEqual({
      error: {
        code: "PAYLOAD_TOO_LARGE",
        message: "The request's URL or headers are too large.",
        details: { part: "headers" },
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
  });

  it("answers a request that does not arrive within the request timeout with 408", async () => {
    const slow = createServer(
      { requestTimeout: 200, connectionsCheckingInterval: 50 },
      (_request, response) => response.end("{}"),
    );
    answerClientErrorsAsJson(slow);
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    try {
      const address = slow.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      // Headers begun and never finished.
      const answer = await exchange("GET /v1/campaigns HTTP/1.1\r\nhost: x\r\n", address.port, false);
      expect(answer.statusLine).toBe("HTTP/1.1 408 Request Timeout");
      expect(answer.body).toMatchObject({
        error: { code: "VALIDATION_ERROR", details: { fields: [{ path: "(request)" }] } },
      });
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it("answers bytes that are not HTTP with 400 VALIDATION_ERROR", async () => {
    const answer = await exchange("NOT HTTP AT ALL\r\n\r\n");
    expect(answer.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(answer.body).toMatchObject({
      error: {
        code: "VALIDATION_ERROR",
        details: { fields: [{ path: "(request)", message: "is not a valid HTTP request" }] },
      },
    });
  });

  it("passes an absolute-form target and any well-formed Host on, as the adapter reads them", async () => {
    for (const [raw, host] of [
      [
        "GET http://127.0.0.1:3000/healthz HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nConnection: close\r\n\r\n",
        "127.0.0.1:3000",
      ],
      ["GET /healthz HTTP/1.1\r\nHost: [::1]:3000\r\nConnection: close\r\n\r\n", "[::1]:3000"],
      [
        "GET /healthz HTTP/1.1\r\nHost: Gateway.Example.com\r\nConnection: close\r\n\r\n",
        "Gateway.Example.com",
      ],
    ] as const) {
      const answer = await exchange(raw);
      expect([answer.statusLine, answer.body], raw).toEqual(["HTTP/1.1 200 OK", { host }]);
    }
  });

  it("answers a refusal in the caller's language and under the caller's X-Request-Id", async () => {
    const answer = await exchange(
      "GET /healthz HTTP/1.1\r\nAccept-Language: zh-TW\r\nX-Request-Id: probe-42\r\nConnection: close\r\n\r\n",
    );
    expect(answer.headers).toContain("x-request-id: probe-42");
    expect(answer.body).toEqual({
      error: {
        code: "VALIDATION_ERROR",
        message: expect.stringMatching(/\p{Script=Han}/u),
        details: { fields: [{ path: "Host", message: "HTTP/1.1 請求必須提供" }] },
        requestId: "probe-42",
      },
    });
  });

  it("reads an HTTP/1.0 request without Host (a load balancer's health check) as for localhost", async () => {
    const answer = await exchange("GET /healthz HTTP/1.0\r\n\r\n");
    expect(answer.statusLine).toBe("HTTP/1.1 200 OK");
    expect(answer.body).toEqual({ host: "localhost" });
    const named = await exchange("GET /healthz HTTP/1.0\r\nHost: gateway.internal\r\n\r\n");
    expect(named.body).toEqual({ host: "gateway.internal" });
  });

  it("refuses in the error shape what Node answered bare: HTTP/1.1 without Host, OPTIONS *, an Expect it cannot meet, CONNECT", async () => {
    const cases: [raw: string, statusLine: string, error: Record<string, unknown>][] = [
      [
        "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
        {
          code: "VALIDATION_ERROR",
          details: { fields: [{ path: "Host", message: "is required in HTTP/1.1" }] },
        },
      ],
      [
        "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 400 Bad Request",
        {
          code: "VALIDATION_ERROR",
          details: { fields: [{ path: "(request)", message: "is not a valid HTTP request" }] },
        },
      ],
      [
        "POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        "HTTP/1.1 417 Expectation Failed",
        {
          code: "VALIDATION_ERROR",
          details: { fields: [{ path: "Expect", message: "only 100-continue is met" }] },
        },
      ],
      [
        "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n",
        "HTTP/1.1 405 Method Not Allowed",
        { code: "METHOD_NOT_ALLOWED", details: { method: "CONNECT" } },
      ],
    ];
    cases.push(
      ...["a b", "a/b", "user@a", "localhost:abc", "localhost:99999", "[::1"].map(
        (host): [string, string, Record<string, unknown>] => [
          `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
          "HTTP/1.1 400 Bad Request",
          {
            code: "VALIDATION_ERROR",
            details: {
              fields: [{ path: "Host", message: "is not a host name or address with an optional port" }],
            },
          },
        ],
      ),
    );
    for (const [raw, statusLine, error] of cases) {
      const answer = await exchange(raw);
      expect(answer.statusLine, raw).toBe(statusLine);
      expect(answer.headers, raw).toContain("content-type: application/json");
      expect(answer.body, raw).toEqual({
        error: { ...error, message: expect.any(String), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
      const { requestId } = (answer.body as { error: { requestId: string } }).error;
      expect(answer.headers, raw).toContain(`x-request-id: ${requestId}`);
    }
  });
});
