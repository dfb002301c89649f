import { randomBytes } from "node:crypto";
import { type ApiScope, createApiKey, type Db } from "@promo/db";

export type SeededStore = {
  storeId: string;
  slug: string;
  /** Bearer secrets, one per scope set. */
  keys: { merchant: string; checkout: string; admin: string; all: string };
};

/** A store with one key per scope and one with every scope. */
export async function seedStore(db: Db, label = "store"): Promise<SeededStore> {
  const slug = `${label}-${randomBytes(4).toString("hex")}`;
  const store = await db.store.create({ data: { slug, name: `Test ${label}` } });
  const key = async (scopes: ApiScope[]) =>
    (await createApiKey(db, { storeId: store.id, name: scopes.join("+"), scopes })).secret;
  return {
    storeId: store.id,
    slug,
    keys: {
      merchant: await key(["merchant"]),
      checkout: await key(["checkout"]),
      admin: await key(["admin"]),
      all: await key(["merchant", "checkout", "admin"]),
    },
  };
}
