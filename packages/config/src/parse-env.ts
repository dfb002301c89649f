import type { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** One line per bad variable: `NAME: what is wrong`. */
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  }
}

/**
 * Parses environment variables with a zod schema. A failure names every bad variable, so a
 * service started with a typo exits with a message that says what to fix.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
  );
}

/**
 * A service's configuration, or its end: a service started with a bad variable writes one JSON
 * line (like every other line it logs) naming each variable and what is wrong with it, and exits
 * with status 1, rather than dying on a stack trace.
 */
export function parseServiceEnv<S extends z.ZodType>(
  schema: S,
  service: string,
  options: {
    env?: Record<string, string | undefined>;
    write?: (line: string) => void;
    exit?: (code: number) => never;
  } = {},
): z.output<S> {
  try {
    return parseEnv(schema, options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const { problems } = error;
    const line = {
      level: "fatal",
      time: new Date().toISOString(),
      service,
      pid: process.pid,
      problems,
      msg: `invalid configuration, not starting: ${problems.join("; ")}`,
    };
    (options.write ?? ((text) => process.stderr.write(text)))(`${JSON.stringify(line)}\n`);
    return (options.exit ?? process.exit)(1);
  }
}
