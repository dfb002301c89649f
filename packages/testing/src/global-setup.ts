import type { TestProject } from "vitest/node";
import "./provided-context.ts";
import { ensureTemplateDatabase } from "./databases.ts";
import { readTestEnv } from "./test-env.ts";

/** Once per integration run: a migrated template database the test files clone. */
export default async function setup(project: TestProject): Promise<void> {
  const env = readTestEnv();
  project.provide("templateDatabase", await ensureTemplateDatabase(env.DATABASE_URL));
}
