import { DEAD_LETTER_HEADERS, DEAD_LETTER_REASONS, OrderEventSchema, TOPICS } from "@promo/contracts";
import { ERROR_CODES, MERCHANT_MESSAGES } from "@promo/domain";
import { createTestContext, type TestContext } from "@promo/testing";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestGateway } from "./testing/test-gateway.ts";

let ctx: TestContext;
let app: Awaited<ReturnType<typeof createTestGateway>>["app"];

beforeAll(async () => {
  ctx = await createTestContext("openapi");
  ({ app } = await createTestGateway(ctx));
});

afterAll(async () => {
  await ctx?.cleanup();
});

type OpenApiDocument = {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, { enum?: string[] }> };
  "x-error-catalogue": {
    code: string;
    status: number;
    messages: { en: string; "zh-TW": string };
    merchantMessages?: { en: string; "zh-TW": string };
  }[];
};

/**
 * Routes that are not part of the JSON API and so are not in the document: the documents and the
 * docs page themselves, the queue dashboard (a library's UI and its private API) and its sign-in
 * page, the bench-only baselines, and the metrics scrape endpoint.
 */
const NOT_API = [
  /^\/openapi\.json$/,
  /^\/asyncapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/admin\/queues(\/|$)/,
  /^\/admin\/login$/,
  /^\/bench\//,
  /^\/metrics$/,
];

/** Every concrete route the app serves, as "METHOD /path/{param}" (middleware excluded). */
function servedRoutes(): string[] {
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    if (NOT_API.some((pattern) => pattern.test(route.path))) continue;
    routes.add(`${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
  }
  return [...routes].sort();
}

describe("API documents", () => {
  it("serves /openapi.json that validates as OpenAPI 3.1", async () => {
    const response = await app.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as Record<string, unknown>;
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every route the app serves", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(15);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    expect(served).toContain("POST /v1/reservations");
  });

  it("declares the bearer scheme and its tags, and marks the probes as keyless", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument & {
      security: unknown;
      tags: { name: string; description?: string }[];
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.security).toEqual([{ bearer: [] }]);
    const used = new Set(
      Object.values(document.paths).flatMap((operations) =>
        Object.values(operations).flatMap((operation) => (operation as { tags?: string[] }).tags ?? []),
      ),
    );
    expect(document.tags.map((tag) => tag.name).sort()).toEqual([...used].sort());
    expect(document.tags.find((tag) => tag.name === "Reservations")?.description).toBeTruthy();
    expect(document.paths["/healthz"]?.get).toMatchObject({ security: [] });
    expect(document.paths["/v1/reservations"]?.post).not.toHaveProperty("security");
  });

  it("carries the error catalogue with statuses and both languages", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    expect(document.components.schemas.ErrorCode?.enum).toEqual([...ERROR_CODES]);
    expect(document["x-error-catalogue"].map((entry) => entry.code)).toEqual([...ERROR_CODES]);
    const limit = document["x-error-catalogue"].find((entry) => entry.code === "USAGE_LIMIT_REACHED");
    expect(limit?.status).toBe(409);
    expect(limit?.messages["zh-TW"]).toBeTruthy();
    // CODE_CONFLICT keeps SPEC's checkout wording, and lists the merchant routes' own.
    const conflict = document["x-error-catalogue"].find((entry) => entry.code === "CODE_CONFLICT");
    expect(conflict?.messages["zh-TW"]).toBe("優惠碼與他人重複,請清空優惠碼再結帳");
    expect(conflict?.merchantMessages).toEqual(MERCHANT_MESSAGES.CODE_CONFLICT);
    expect(document.info.description).toContain(MERCHANT_MESSAGES.CODE_CONFLICT?.en);
    for (const code of ERROR_CODES) expect(document.info.description).toContain(`\`${code}\``);
    const reserve = document.paths["/v1/reservations"]?.post as {
      responses: Record<string, { content: { "application/json": { schema: { $ref: string } } } }>;
    };
    expect(reserve.responses["409"]?.content["application/json"].schema.$ref).toBe(
      "#/components/schemas/Error",
    );
    const errorSchema = document.components.schemas.Error as unknown as {
      properties: { error: { properties: { code: { $ref: string } } } };
    };
    expect(errorSchema.properties.error.properties.code.$ref).toBe("#/components/schemas/ErrorCode");
  });

  it("declares 503 on every API operation, and says how a wrong method is answered", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const without = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/v1/"))
      .flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([, operation]) => !("503" in ((operation as { responses: object }).responses ?? {})))
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
    expect(without).toEqual([]);
    const partners = document.paths["/v1/partners"]?.get as { responses: Record<string, unknown> };
    expect(partners.responses["503"]).toMatchObject({
      headers: { "Retry-After": { schema: { type: "string" } } },
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
    expect(partners.responses["401"]).toMatchObject({ headers: { "WWW-Authenticate": {} } });
    const reserve = document.paths["/v1/reservations"]?.post as { responses: Record<string, unknown> };
    expect(reserve.responses["429"]).toMatchObject({ headers: { "Retry-After": {} } });
    expect(document.info.description).toContain("405");
  });

  it("names every operation with a unique operationId, for generated clients", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        operationId: (operation as { operationId?: string }).operationId,
      })),
    );
    expect(operations.filter(({ operationId }) => !operationId?.match(/^[a-z][A-Za-z]+$/))).toEqual([]);
    expect(new Set(operations.map(({ operationId }) => operationId)).size).toBe(operations.length);
    expect(document.paths["/v1/reservations"]?.post).toMatchObject({ operationId: "createReservation" });
  });

  it("declares on every POST and PATCH how a body is refused: 400, 413 and 415", async () => {
    // Any of them may carry a body (a bodyless one too: the client may send one), and the body
    // middleware answers for all alike: not UTF-8 (400), too large (413), not JSON (415).
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const missing = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => method === "post" || method === "patch")
        .flatMap(([method, operation]) =>
          ["400", "413", "415"]
            .filter((status) => !(status in (operation as { responses: object }).responses))
            .map((status) => `${method.toUpperCase()} ${path} ${status}`),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("declares the code rules the server checks, for clients that validate from the document", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const { CodeCreate, GenerateCodesRequest } = document.components.schemas;
    expect(CodeCreate?.properties.code).toMatchObject({
      minLength: 6,
      maxLength: 64,
      pattern: "^[A-Za-z0-9]+$",
    });
    expect(GenerateCodesRequest?.properties.length).toMatchObject({ minimum: 6, maximum: 64 });
    expect(GenerateCodesRequest?.properties.prefix).toMatchObject({ pattern: "^[A-Za-z0-9]*$" });
  });

  it("declares the Idempotency-Key header on reserve, release and confirm", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const operations = [
      document.paths["/v1/reservations"]?.post,
      document.paths["/v1/reservations/{id}/release"]?.post,
      document.paths["/v1/reservations/{id}/confirm"]?.post,
    ] as ({ parameters?: { name: string; in: string; required?: boolean }[] } | undefined)[];
    for (const operation of operations)
      expect(operation?.parameters).toContainEqual(
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      );
    // Beside the parameters the request schemas declare.
    expect(operations[1]?.parameters).toContainEqual(expect.objectContaining({ name: "id", in: "path" }));
    expect(operations[0]?.parameters).toContainEqual(expect.objectContaining({ name: "wait", in: "query" }));
  });

  it("documents confirm's optional orderTotal as money in minor units", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as OpenApiDocument;
    const confirm = document.components.schemas.ConfirmRequest as unknown as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(confirm.required).toEqual(["orderNumber"]);
    expect(confirm.properties.orderTotal).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    expect(confirm.properties.orderTotal?.description).toContain("totals.total");
  });

  it("declares the reports' range as date-time query parameters", async () => {
    const document = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string; schema: unknown }[] } }>;
    };
    const parameters = document.paths["/v1/reports/codes"]?.get?.parameters ?? [];
    expect(parameters.filter((parameter) => ["from", "to"].includes(parameter.name))).toEqual([
      expect.objectContaining({
        name: "from",
        in: "query",
        schema: expect.objectContaining({ type: "string", format: "date-time" }),
      }),
      expect.objectContaining({
        name: "to",
        in: "query",
        schema: expect.objectContaining({ type: "string", format: "date-time" }),
      }),
    ]);
  });

  it("serves /asyncapi.json with every topic and a JSON Schema per event", async () => {
    const response = await app.request("/asyncapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      asyncapi: string;
      channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
      components: {
        messages: Record<
          string,
          {
            name: string;
            payload: { type?: string; properties?: object };
            headers?: { properties: Record<string, { enum?: string[]; description?: string }> };
          }
        >;
      };
    };
    expect(document.asyncapi).toBe("3.0.0");
    expect(
      Object.values(document.channels)
        .map((channel) => channel.address)
        .sort(),
    ).toEqual(Object.values(TOPICS).sort());
    for (const channel of Object.values(document.channels)) {
      for (const { $ref } of Object.values(channel.messages)) {
        const message = document.components.messages[$ref.split("/").at(-1) ?? ""];
        expect(message, $ref).toBeDefined();
        expect(message?.payload.type, $ref).toBe(message?.name.includes(" ") ? "string" : "object");
      }
    }
    // An order event may carry fields we do not know (they are ignored); ours carry no others.
    const additional = (type: string) =>
      (
        Object.values(document.components.messages).find((message) => message.name === type)?.payload as {
          additionalProperties?: unknown;
        }
      )?.additionalProperties;
    expect([additional("order.placed"), additional("reservation.confirmed")]).toEqual([undefined, false]);
    const names = Object.values(document.components.messages).map((message) => message.name);
    for (const type of [
      "order.placed",
      "order.cancelled",
      "reservation.reserved",
      "reservation.confirmed",
      "alert.raised",
    ])
      expect(names).toContain(type);
    const confirmed = Object.values(document.components.messages).find(
      (message) => message.name === "reservation.confirmed",
    );
    expect(Object.keys(confirmed?.payload.properties ?? {})).toEqual(
      expect.arrayContaining(["eventId", "orderNumber", "orderTotal", "discount", "partnerId"]),
    );
    // What we publish names its headers and key; what order systems send, its key.
    expect(confirmed).toMatchObject({
      headers: {
        properties: { "event-type": { const: "reservation.confirmed" }, "event-id": { format: "uuid" } },
        required: ["event-type", "event-id"],
      },
      bindings: {
        kafka: { key: { type: "string", description: "the code's upper-cased key (order per code)" } },
      },
    });
    const cancelledMessage = Object.values(document.components.messages).find(
      (message) => message.name === "reservation.cancelled",
    );
    expect(Object.keys(cancelledMessage?.payload.properties ?? {})).toEqual(
      expect.arrayContaining(["orderNumber", "orderTotal", "discount", "partnerId"]),
    );

    // An order event's occurredAt as the document describes it is what the consumer takes.
    const placed = Object.values(document.components.messages).find(
      (message) => message.name === "order.placed",
    );
    const occurredAt = (placed?.payload.properties as Record<string, { pattern?: string }> | undefined)
      ?.occurredAt;
    const pattern = new RegExp(occurredAt?.pattern ?? "(?!)");
    const event = {
      type: "order.cancelled",
      eventId: "6f1c2f5e-8a3a-4c41-9a55-4b7d2a0c9e10",
      storeId: "0b8a9f34-1d2c-4a5e-9b7f-3c2d1e0f4a5b",
      orderNumber: "A-1",
    };
    for (const [value, taken] of [
      ["2026-11-25T10:00:00Z", true],
      ["2026-11-25T10:00:00.125+0800", true],
      ["2026-11-25T10:00:00-03", true],
      ["2026-11-25T10:00Z", false],
      ["2026-11-25 10:00:00Z", false],
      ["2026-11-25T10:00:00z", false],
      ["2026-11-25T10:00:00", false],
    ] as const) {
      expect(
        [pattern.test(value), OrderEventSchema.safeParse({ ...event, occurredAt: value }).success],
        value,
      ).toEqual([taken, taken]);
    }
    // Every reason a dead letter may carry, the replayable ones said so.
    const letter = Object.values(document.components.messages).find((message) =>
      message.name.endsWith(" message"),
    );
    const reason = letter?.headers?.properties[DEAD_LETTER_HEADERS.reason];
    expect(reason?.enum).toEqual(Object.keys(DEAD_LETTER_REASONS));
    expect(reason?.enum).toContain("unknown_order");
  });

  it("serves the docs page and its assets without a key, from the installed package", async () => {
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await app.request("/docs/assets/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await app.request("/docs/assets/package.json")).status).toBe(404);
    expect((await app.request("/docs/assets/..%2F..%2Fpackage.json")).status).toBe(404);
  });
});
