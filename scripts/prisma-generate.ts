// Generates the Prisma client offline.
//
// Prisma 7's CLI wants to download a schema-engine binary before `generate`, although generation
// never runs it; with no internet that download fails. Pointing PRISMA_SCHEMA_ENGINE_BINARY at an
// executable stub skips the download. The generated client talks to PostgreSQL through
// @prisma/adapter-pg and needs no engine binary at run time.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function schemaEngineStub(): string {
  const dir = mkdtempSync(join(tmpdir(), "prisma-engine-stub-"));
  const stub = join(dir, "schema-engine");
  writeFileSync(stub, '#!/bin/sh\necho "schema engine stub: use npm run db:migrate" >&2\nexit 1\n');
  chmodSync(stub, 0o755);
  return stub;
}

execFileSync(process.execPath, [join(root, "node_modules/prisma/build/index.js"), "generate"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? schemaEngineStub(),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
