import { join } from "node:path";
import { REPO_ROOT } from "../repo-root.ts";

/** Everything of the local broker lives under the git-ignored `<root>/.services/kafka`. */
export function resolveKafkaPaths(rootDir: string = REPO_ROOT) {
  const base = join(rootDir, ".services", "kafka");
  const libs = join(base, "libs");
  const logs = join(base, "logs");
  return {
    base,
    pom: join(rootDir, "scripts", "kafka", "pom.xml"),
    libs,
    libsMarker: join(libs, ".complete"),
    data: join(base, "data"),
    metaProperties: join(base, "data", "meta.properties"),
    logs,
    serverLog: join(logs, "server.log"),
    stdoutLog: join(logs, "stdout.log"),
    serverProperties: join(base, "server.properties"),
    log4jProperties: join(base, "log4j.properties"),
    clusterId: join(base, "cluster-id"),
    pid: join(base, "kafka.pid"),
    startLock: join(base, "start.lock"),
  };
}
export type KafkaPaths = ReturnType<typeof resolveKafkaPaths>;
