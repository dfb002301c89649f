import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createStoreWithKey, findApiKeyPrincipal } from "@promo/db";
import { createTestContext, type TestContext } from "@promo/testing";
import { REPO_ROOT } from "@promo/testing/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TSX_LOADER = new URL("node_modules/tsx/dist/loader.mjs", `file://${REPO_ROOT}`).href;

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext("stores-command");
});

afterAll(async () => {
  await ctx?.cleanup();
});

/** Runs `scripts/stores.ts` (what `npm run stores` runs) against this file's database. */
function stores(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", TSX_LOADER, `${REPO_ROOT}scripts/stores.ts`, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: ctx.db.url },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

type Issued = {
  store: { id: string; slug: string; name: string };
  key: { id: string; scopes: string[]; secret: string };
};

describe("npm run stores", () => {
  it("creates a store with a first key of every scope, printed once, and refuses the slug again", async () => {
    const slug = `shop-${randomBytes(3).toString("hex")}`;
    const created = await stores("create", slug, "--name", "Tea Shop 茶行");
    expect(created.code, created.stderr).toBe(0);
    const issued = JSON.parse(created.stdout) as Issued;
    expect(issued.store).toMatchObject({ slug, name: "Tea Shop 茶行" });
    expect(issued.key.scopes).toEqual(["merchant", "checkout", "admin"]);
    expect(await findApiKeyPrincipal(ctx.db.database.prisma, issued.key.secret)).toMatchObject({
      storeId: issued.store.id,
      scopes: ["merchant", "checkout", "admin"],
    });

    const again = await stores("create", slug);
    expect([again.code, again.stdout]).toEqual([1, ""]);
    expect(again.stderr).toContain(`a store with slug ${slug} exists already`);
    expect(await ctx.db.database.prisma.store.count({ where: { slug } })).toBe(1);
  });

  it("gives an existing store another key with the scopes asked for, and lists the stores", async () => {
    const slug = `keys-${randomBytes(3).toString("hex")}`;
    expect((await stores("create", slug)).code).toBe(0);
    // Scopes come back in the order the API answers them, whatever order they were asked in.
    const issued = await stores("key", slug, "--scopes", "checkout,merchant", "--name", "back office");
    expect(issued.code, issued.stderr).toBe(0);
    const { store, key } = JSON.parse(issued.stdout) as Issued;
    expect(key.scopes).toEqual(["merchant", "checkout"]);
    expect(await findApiKeyPrincipal(ctx.db.database.prisma, key.secret)).toMatchObject({
      storeId: store.id,
      scopes: ["merchant", "checkout"],
    });
    const listed = await stores("list");
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { slug: string; activeKeys: number }[]).find((row) => row.slug === slug),
    ).toMatchObject({ activeKeys: 2 });
    const unknown = await stores("key", `nobody-${randomBytes(3).toString("hex")}`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no store has slug");
  });

  it("refuses a bad slug, scope or command with the usage, touching nothing", async () => {
    for (const args of [
      ["create", "Bad_Slug"],
      ["key", "acme", "--scopes", "merchant,owner"],
      ["remove", "acme"],
      ["create"],
      // A flag another command takes is refused, not dropped: this would have made an admin key.
      ["create", "checkout-only", "--scopes", "checkout"],
      ["list", "acme"],
      ["create", "two-lines", "--name", "Tea\nShop"],
      ["key", "acme", "--name", "k".repeat(101)],
    ]) {
      const refused = await stores(...args);
      expect([args, refused.code, refused.stdout]).toEqual([args, 2, ""]);
      expect(refused.stderr).toContain("usage:");
    }
    expect(
      await ctx.db.database.prisma.store.count({
        where: { slug: { in: ["bad_slug", "Bad_Slug", "checkout-only", "two-lines"] } },
      }),
    ).toBe(0);
  });

  it("makes one store when two operators create the same slug at once", async () => {
    const slug = `race-${randomBytes(3).toString("hex")}`;
    const results = await Promise.all(
      [1, 2, 3].map(() => createStoreWithKey(ctx.db.database.prisma, { slug, name: slug, keyName: "first" })),
    );
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect(await ctx.db.database.prisma.store.count({ where: { slug } })).toBe(1);
  });
});
