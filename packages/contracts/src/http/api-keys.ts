import { z } from "@hono/zod-openapi";
import { displayNameSchema } from "../catalog-name.ts";
import { DateTimeOutputSchema, IdSchema, pageOf } from "./common.ts";

/** SPEC §1: `merchant` (campaigns, codes, jobs, partners, reports, alerts), `checkout` (quote, reserve, release, confirm), `admin` (queue dashboard, keys). */
export const ApiScopeSchema = z.enum(["merchant", "checkout", "admin"]).openapi("ApiScope", {
  description:
    "merchant: campaigns, codes, jobs, partners, reports, alerts. checkout: quote, reserve, release, confirm. admin: the queue dashboard and these keys.",
  example: "checkout",
});
export type ApiScope = z.infer<typeof ApiScopeSchema>;

export const ApiKeyCreateSchema = z
  .object({
    name: displayNameSchema(100).openapi({
      description: "What the key is for; not unique.",
      example: "checkout service",
    }),
    scopes: z
      .array(ApiScopeSchema)
      .min(1, "at least one scope")
      // Refused rather than merged: a repeated scope is likely a typo for another one.
      .refine((scopes) => new Set(scopes).size === scopes.length, "must not repeat a scope")
      .openapi({ uniqueItems: true, example: ["checkout"] }),
  })
  // A misspelt field is refused, not dropped (like every merchant body).
  .strict()
  .openapi("ApiKeyCreate");
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

export const ApiKeySchema = z
  .object({
    id: IdSchema,
    name: z.string(),
    scopes: z.array(ApiScopeSchema).openapi({ description: "In the order merchant, checkout, admin." }),
    prefix: z.string().openapi({
      description:
        "The secret's first 12 characters, to tell keys apart; the secret itself is never shown again.",
      example: "pk_3q2-7wEr1",
    }),
    createdAt: DateTimeOutputSchema,
    revokedAt: DateTimeOutputSchema.nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  secret: z.string().openapi({
    description:
      "The bearer token. Shown only in this answer: only its hash is stored, so a lost secret means a new key.",
    example: "pk_3q2-7wEr1vXb0mZcF9kTqL4sNdYhA8uJ6eGiPoW5xRt",
  }),
}).openapi("ApiKeyCreated");
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;

export const ApiKeyPageSchema = pageOf(ApiKeySchema).openapi("ApiKeyPage");

/** Who is calling: the key the request carried and its store (whose id order events must carry). */
export const CallerSchema = z
  .object({
    store: z
      .object({
        id: IdSchema.openapi({
          description:
            "The store's id: the `storeId` of its order events on `orders` and of its outgoing events.",
        }),
        slug: z.string().openapi({ example: "default" }),
        name: z.string(),
      })
      .openapi("Store"),
    key: ApiKeySchema,
  })
  .openapi("Caller");
export type Caller = z.infer<typeof CallerSchema>;
