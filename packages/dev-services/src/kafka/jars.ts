import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import type { KafkaPaths } from "./paths.ts";

const run = promisify(execFile);

/**
 * The broker's jars, copied from Maven Central (through ~/.m2) by `mvn dependency:copy-dependencies`
 * of scripts/kafka/pom.xml. Done once per pom content; a marker records the pom's hash.
 */
export async function ensureKafkaJars(paths: KafkaPaths): Promise<"cached" | "downloaded"> {
  const pomHash = createHash("sha256").update(readFileSync(paths.pom)).digest("hex");
  if (existsSync(paths.libsMarker) && readFileSync(paths.libsMarker, "utf8") === pomHash) return "cached";
  rmSync(paths.libs, { recursive: true, force: true });
  mkdirSync(paths.libs, { recursive: true });
  const args = [
    "-q",
    "-B",
    "-f",
    paths.pom,
    "dependency:copy-dependencies",
    `-DoutputDirectory=${paths.libs}`,
  ];
  try {
    await run("mvn", ["-o", ...args], { maxBuffer: 16 * 1024 * 1024 }).catch(() =>
      run("mvn", args, { maxBuffer: 16 * 1024 * 1024 }),
    );
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? "Kafka is not reachable and Maven (mvn) is not installed to fetch a broker: apt-get install maven, or set KAFKA_BROKERS."
        : `Fetching the Kafka broker jars from Maven Central failed: ${(error as { stderr?: string }).stderr || (error as Error).message}`,
    );
  }
  writeFileSync(paths.libsMarker, pomHash);
  return "downloaded";
}
