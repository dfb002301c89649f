import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const MIN_JAVA_VERSION = 17;

/** The major version in `java -version` output ("1.8.0_392" is 8, "17.0.15" is 17). Null when absent. */
export function parseJavaMajorVersion(output: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match?.[1]) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2] ?? 0) : major;
}

/** Throws a message that says what to install when `java` is missing or older than 17. */
export async function checkJava(purpose: string): Promise<void> {
  let output: string;
  try {
    const { stdout, stderr } = await execFileAsync("java", ["-version"]);
    output = `${stderr}${stdout}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `${purpose} needs Java ${MIN_JAVA_VERSION}+, and java is not installed: install it (apt-get install openjdk-17-jre-headless) or point KAFKA_BROKERS at a running broker.`,
      );
    }
    throw new Error(
      `${purpose} needs Java ${MIN_JAVA_VERSION}+, and "java -version" failed: ${(error as Error).message}`,
    );
  }
  const major = parseJavaMajorVersion(output);
  if (major === null || major < MIN_JAVA_VERSION) {
    throw new Error(
      `${purpose} needs Java ${MIN_JAVA_VERSION}+, and the java on PATH is ${major ?? "of an unknown version"}: install a newer one or point KAFKA_BROKERS at a running broker.`,
    );
  }
}
