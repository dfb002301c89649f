import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import type { KafkaPaths } from "./paths.ts";

const execFileAsync = promisify(execFile);

const MAVEN_OUTPUT_LIMIT = 64 * 1024 * 1024;

export type JarsSource = "present" | "maven-cache" | "maven-central";

function hashFile(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function hasCompleteLibs(paths: KafkaPaths, pomHash: string): boolean {
  if (!existsSync(paths.libsMarker) || readFileSync(paths.libsMarker, "utf8").trim() !== pomHash)
    return false;
  return readdirSync(paths.libs).some((file) => /^kafka_2\.13-.*\.jar$/.test(file));
}

function describeMavenFailure(error: unknown): string {
  const { stdout, stderr } = error as { stdout?: unknown; stderr?: unknown };
  const output = `${String(stdout ?? "")}\n${String(stderr ?? "")}`.trim();
  return output ? output.split("\n").slice(-15).join("\n") : (error as Error).message;
}

/**
 * The broker's jars in `.services/kafka/libs`: `mvn dependency:copy-dependencies` of
 * scripts/kafka/pom.xml, from ~/.m2 when it has them (offline), else from Maven Central. Runs only
 * when the folder is missing or was filled from another pom (a marker keeps the pom's hash).
 */
export async function ensureKafkaJars(paths: KafkaPaths, onFetch?: () => void): Promise<JarsSource> {
  if (!existsSync(paths.pom)) throw new Error(`the Kafka broker's pom is missing: ${paths.pom}`);
  const pomHash = hashFile(paths.pom);
  if (hasCompleteLibs(paths, pomHash)) return "present";
  onFetch?.();
  rmSync(paths.libs, { recursive: true, force: true });
  mkdirSync(paths.libs, { recursive: true });
  const goal = [
    "-q",
    "-B",
    "-f",
    paths.pom,
    "dependency:copy-dependencies",
    `-DoutputDirectory=${paths.libs}`,
  ];
  let source: JarsSource = "maven-cache";
  try {
    await execFileAsync("mvn", ["-o", ...goal], { maxBuffer: MAVEN_OUTPUT_LIMIT });
  } catch (offlineError) {
    if ((offlineError as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "Kafka is not reachable and Maven (mvn) is not installed to fetch a local broker's jars: install it (apt-get install maven) or point KAFKA_BROKERS at a running broker.",
      );
    }
    source = "maven-central";
    try {
      await execFileAsync("mvn", goal, { maxBuffer: MAVEN_OUTPUT_LIMIT });
    } catch (onlineError) {
      throw new Error(
        `Kafka is not reachable and fetching the local broker's jars from Maven Central failed (is Maven Central reachable?):\n${describeMavenFailure(onlineError)}`,
      );
    }
  }
  writeFileSync(paths.libsMarker, `${pomHash}\n`);
  return source;
}
