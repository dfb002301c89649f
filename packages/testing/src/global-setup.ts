import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { ensureServices } from "@promo/dev-services";
import type { TestProject } from "vitest/node";
import "./provided-context.ts";
import { ensureTemplateDatabase } from "./databases.ts";
import { readTestEnv } from "./test-env.ts";

/**
 * Once per integration run: the services `npm test` ensures first (so a file run on its own with
 * `npx vitest run` meets a broker started for it, not kafkajs's connection errors), then a
 * migrated template database the test files clone.
 */
export default async function setup(project: TestProject): Promise<void> {
  await ensureServices(parseEnv(DevServicesEnvSchema, process.env));
  const env = readTestEnv();
  project.provide("templateDatabase", await ensureTemplateDatabase(env.DATABASE_URL));
}
