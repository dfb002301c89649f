// `npm run stores`: the operator's way to add a store (SPEC §1: the tenant) and to hand out keys.
// The HTTP API has no such route: every key sees only its own store. Prints JSON on stdout.
import { parseArgs } from "node:util";
import { DatabaseUrlSchema, parseEnv } from "@promo/config";
import {
  ALL_SCOPES,
  type ApiScope,
  createDatabase,
  createStoreWithKey,
  issueStoreKey,
  listStores,
} from "@promo/db";
import { z } from "zod";

const USAGE = `usage:
  npm run stores -- create <slug> [--name <store name>]   a store and its first key (every scope)
  npm run stores -- key <slug> [--scopes merchant,checkout,admin] [--name <key name>]
                                                          another key of a store (every scope unless --scopes)
  npm run stores -- list                                  every store and how many of its keys are not revoked
A key's secret is printed once; only its hash is stored. DATABASE_URL says which database.`;

/** Lower-case letters, digits and single hyphens inside: it reads well in a URL, a log or a report. */
const SlugSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "use lower-case letters, digits and hyphens (acme, tw-shop-2)")
  .max(64);
const NO_CONTROLS = /^\P{Cc}*$/u;
/** One line of text, trimmed, 1..max characters. */
function lineOfText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(NO_CONTROLS, "must not contain control characters (a newline, a tab)");
}
/** A store's name: shown in listings and reports. */
const StoreNameSchema = lineOfText(200);
/** A key's name, as `POST /v1/api-keys` takes it. */
const KeyNameSchema = lineOfText(100);
const ScopeSchema = z
  .string()
  .refine((scope): scope is ApiScope => (ALL_SCOPES as readonly string[]).includes(scope), {
    error: `is not one of ${ALL_SCOPES.join(", ")}`,
  });
const ScopesSchema = z
  .string()
  .transform((list) => list.split(",").map((scope) => scope.trim()))
  .pipe(
    z
      .array(ScopeSchema)
      .min(1)
      .refine((scopes) => new Set(scopes).size === scopes.length, "repeats a scope")
      // In the order the API answers them: merchant, checkout, admin.
      .transform((scopes) => ALL_SCOPES.filter((scope) => scopes.includes(scope))),
  );

// Strict: a flag another command takes (create --scopes) is refused, not dropped.
const CommandSchema = z.discriminatedUnion("command", [
  z.strictObject({ command: z.literal("create"), slug: SlugSchema, name: StoreNameSchema.optional() }),
  z.strictObject({
    command: z.literal("key"),
    slug: SlugSchema,
    name: KeyNameSchema.default("issued by npm run stores"),
    scopes: ScopesSchema.default([...ALL_SCOPES]),
  }),
  z.strictObject({ command: z.literal("list") }),
]);

function fail(message: string, exitCode = 1): never {
  console.error(`stores: ${message}`);
  process.exit(exitCode);
}

/** DATABASE_URL, or the reason it is not usable, said as every other problem is (not a stack trace). */
function readEnv(): { DATABASE_URL: string } {
  try {
    return parseEnv(z.object({ DATABASE_URL: DatabaseUrlSchema }), process.env);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function readCommand(): z.infer<typeof CommandSchema> {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: { name: { type: "string" }; scopes: { type: "string" } };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: { name: { type: "string" }, scopes: { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  const [command, slug, ...rest] = parsed.positionals;
  if (rest.length > 0) fail(`unexpected ${rest.join(" ")}\n${USAGE}`, 2);
  // Only what was given: a strict command names any argument it does not take.
  const given = Object.fromEntries(
    Object.entries({ command, slug, ...parsed.values }).filter(([, value]) => value !== undefined),
  );
  const result = CommandSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      issue.code === "unrecognized_keys"
        ? `${command} does not take ${issue.keys.map((key) => (key === "slug" ? "a slug" : `--${key}`)).join(" or ")}`
        : `${issue.path.join(".") || "command"}: ${issue.message}`,
    );
    fail(`${problems.join("; ")}\n${USAGE}`, 2);
  }
  return result.data;
}

const command = readCommand();
const env = readEnv();
const database = createDatabase({
  databaseUrl: env.DATABASE_URL,
  maxConnections: 1,
  applicationName: "stores",
});
try {
  if (command.command === "list") {
    console.log(JSON.stringify(await listStores(database.prisma), null, 2));
  } else if (command.command === "create") {
    const created = await createStoreWithKey(database.prisma, {
      slug: command.slug,
      name: command.name ?? command.slug,
      keyName: "first key (npm run stores)",
    });
    if (!created)
      fail(
        `a store with slug ${command.slug} exists already (npm run stores -- key ${command.slug} gives it a key)`,
      );
    console.log(JSON.stringify(created, null, 2));
  } else {
    const issued = await issueStoreKey(database.prisma, {
      slug: command.slug,
      keyName: command.name,
      scopes: command.scopes,
    });
    if (!issued) fail(`no store has slug ${command.slug} (npm run stores -- list shows them)`);
    console.log(JSON.stringify(issued, null, 2));
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  await database.close();
}
