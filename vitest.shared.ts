// One vitest setup for every workspace: `unit` runs `*.test.ts` beside the code with no I/O;
// `integration` runs `*.int.test.ts` (and test/ end-to-end suites) one file at a time against the
// real PostgreSQL, Redis and Kafka, each file in its own database, queue prefix and topics.
import { defineConfig } from "vitest/config";

const INTEGRATION_TIMEOUT_MS = 180_000;

export function definePromoVitestConfig(options: { e2e?: boolean } = {}) {
  const integrationInclude = options.e2e ? ["**/*.test.ts"] : ["src/**/*.int.test.ts"];
  return defineConfig({
    test: {
      passWithNoTests: true,
      projects: [
        {
          test: {
            name: "unit",
            include: options.e2e ? [] : ["src/**/*.test.ts"],
            exclude: ["**/*.int.test.ts", "**/node_modules/**"],
            setupFiles: [new URL("./vitest.setup-unit.ts", import.meta.url).pathname],
          },
        },
        {
          test: {
            name: "integration",
            include: integrationInclude,
            exclude: ["**/node_modules/**"],
            globalSetup: [new URL("./packages/testing/src/global-setup.ts", import.meta.url).pathname],
            fileParallelism: false,
            pool: "forks",
            testTimeout: INTEGRATION_TIMEOUT_MS,
            hookTimeout: INTEGRATION_TIMEOUT_MS,
          },
        },
      ],
    },
  });
}
