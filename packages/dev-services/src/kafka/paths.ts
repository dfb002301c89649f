import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Everything of the local broker lives under the git-ignored .services/kafka. */
export function kafkaPaths(root = REPO_ROOT) {
  const base = join(root, ".services", "kafka");
  return {
    base,
    pom: join(root, "scripts", "kafka", "pom.xml"),
    libs: join(base, "libs"),
    libsMarker: join(base, "libs", ".complete"),
    data: join(base, "data"),
    logs: join(base, "logs"),
    serverProperties: join(base, "server.properties"),
    log4jProperties: join(base, "log4j.properties"),
    clusterId: join(base, "cluster-id"),
    pid: join(base, "kafka.pid"),
    lock: join(base, "start.lock"),
  };
}
export type KafkaPaths = ReturnType<typeof kafkaPaths>;
