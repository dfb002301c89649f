import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, SERVICE_NODE_FLAGS } from "./processes.ts";

const SERVICES = readdirSync(join(REPO_ROOT, "services"));

describe("SERVICE_NODE_FLAGS", () => {
  it.each(SERVICES)("is what `npm start` of %s runs with", (service) => {
    const manifest = JSON.parse(
      readFileSync(join(REPO_ROOT, "services", service, "package.json"), "utf8"),
    ) as {
      scripts: { start: string };
    };
    expect(manifest.scripts.start).toBe(`node ${SERVICE_NODE_FLAGS.join(" ")} --import tsx src/main.ts`);
  });

  it("is the Dockerfile's NODE_OPTIONS, so docker-compose runs the services with it too", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(new RegExp(`^ENV NODE_OPTIONS=${SERVICE_NODE_FLAGS.join(" ")}$`, "m"));
  });
});
