import { describe, expect, it } from "vitest";
import { ApiKeyCreateSchema } from "./http/api-keys.ts";
import { CampaignPatchSchema } from "./http/campaigns.ts";
import { PartnerCreateSchema } from "./http/partners.ts";

describe("names people read (campaigns, partners, API keys)", () => {
  it("are trimmed and kept in Unicode's composed form", () => {
    expect(PartnerCreateSchema.parse({ name: "  Cafe\u0301 Media ", kind: "media" }).name).toBe(
      "Caf\u00e9 Media",
    );
    expect(CampaignPatchSchema.parse({ name: "nin\u0303o sale" }).name).toBe("ni\u00f1o sale");
    expect(ApiKeyCreateSchema.parse({ name: "checkout \u{1F6D2}", scopes: ["checkout"] }).name).toBe(
      "checkout \u{1F6D2}",
    );
  });

  it("need a visible character: spaces, zero-width and other format characters alone are refused", () => {
    for (const name of [
      "\u200b",
      " \u200b\u2060 ",
      "\u00a0\u3000",
      "\ufeff",
      "\u202e",
      "\u3164",
      "\uffa0\u115f\u1160",
      "\u2800",
      "\u0301",
      "\ufe0f",
    ]) {
      const parsed = PartnerCreateSchema.safeParse({ name, kind: "media" });
      expect(parsed.success ? "taken" : parsed.error.issues.map((issue) => issue.path.join("."))).toEqual([
        "name",
      ]);
      expect(CampaignPatchSchema.safeParse({ name }).success).toBe(false);
      expect(ApiKeyCreateSchema.safeParse({ name, scopes: ["admin"] }).success).toBe(false);
    }
    expect(PartnerCreateSchema.safeParse({ name: "\u200bA", kind: "media" }).success).toBe(true);
  });

  it("lose blank characters at either end, but not a closing vowel sign or emoji selector", () => {
    const nameOf = (name: string) => PartnerCreateSchema.parse({ name, kind: "media" }).name;
    expect(nameOf("Amy\u200b")).toBe("Amy");
    expect(nameOf("\u3164 Amy\u2800\u2060")).toBe("Amy");
    expect(nameOf("A\u200bmy")).toBe("A\u200bmy");
    expect(nameOf("\u0928\u092e\u0938\u094d\u0924\u0947")).toBe("\u0928\u092e\u0938\u094d\u0924\u0947");
    expect(nameOf("Love \u2764\ufe0f")).toBe("Love \u2764\ufe0f");
  });
});
