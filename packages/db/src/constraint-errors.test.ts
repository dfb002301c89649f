import pg from "pg";
import { describe, expect, it } from "vitest";
import { fieldOfForeignKey, violatedForeignKey } from "./constraint-errors.ts";
import { PrismaClientKnownRequestError } from "./generated/prisma/internal/prismaNamespace.ts";

describe("violatedForeignKey", () => {
  it("names the constraint however pg or Prisma report a foreign key violation", () => {
    const fromPg = Object.assign(new pg.DatabaseError("violates foreign key constraint", 0, "error"), {
      code: "23503",
      constraint: "campaign_partner_id_fkey",
    });
    // As Prisma 7 reports it through @prisma/adapter-pg (measured: a rule inserted for a deleted partner).
    const fromPrisma = new PrismaClientKnownRequestError("Foreign key constraint violated", {
      code: "P2003",
      clientVersion: "7.10.0",
      meta: {
        modelName: "PartnerRule",
        driverAdapterError: Object.assign(new Error("DriverAdapterError"), {
          cause: {
            originalCode: "23503",
            kind: "ForeignKeyConstraintViolation",
            constraint: { index: "partner_rule_partner_id_fkey" },
          },
        }),
      },
    });
    expect(violatedForeignKey(fromPg)).toBe("campaign_partner_id_fkey");
    expect(violatedForeignKey(fromPrisma)).toBe("partner_rule_partner_id_fkey");
    expect(violatedForeignKey(new Error("boom", { cause: fromPg }))).toBe("campaign_partner_id_fkey");
  });

  it("is null for any other error", () => {
    const unique = Object.assign(new pg.DatabaseError("duplicate key", 0, "error"), { code: "23505" });
    expect(violatedForeignKey(unique)).toBeNull();
    expect(violatedForeignKey(new TypeError("x"))).toBeNull();
    expect(violatedForeignKey(null)).toBeNull();
  });
});

describe("fieldOfForeignKey", () => {
  it("names the request field of the referenced row, or none", () => {
    expect(fieldOfForeignKey("campaign_partner_id_fkey")).toBe("partnerId");
    expect(fieldOfForeignKey("partner_rule_partner_id_fkey")).toBe("partnerId");
    expect(fieldOfForeignKey("code_campaign_id_fkey")).toBe("campaignId");
    expect(fieldOfForeignKey("api_key_store_id_fkey")).toBeNull();
  });
});
