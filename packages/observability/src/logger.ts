import { pino } from "pino";

export type Logger = pino.Logger;

/** Paths whose values never reach a log line (API keys, auth headers, passwords). */
export const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "apiKey",
  "bootstrapApiKey",
  "BOOTSTRAP_API_KEY",
  "secret",
  "password",
  "*.apiKey",
  "*.bootstrapApiKey",
  "*.BOOTSTRAP_API_KEY",
  "*.secret",
  "*.password",
];

/** Connection URLs: logged with the password taken out (the host stays, it helps debugging). */
export const URL_PATHS = [
  "databaseUrl",
  "DATABASE_URL",
  "redisUrl",
  "REDIS_URL",
  "*.databaseUrl",
  "*.DATABASE_URL",
  "*.redisUrl",
  "*.REDIS_URL",
];

const CENSORED = "[redacted]";

function censor(value: unknown, path: string[]): unknown {
  const key = path.at(-1) ?? "";
  return URL_PATHS.includes(key) && typeof value === "string" ? redactUrl(value) : CENSORED;
}

/** Structured JSON logs on stdout (or `destination`): one object per line, `service` on every line. */
export function createLogger(options: {
  service: string;
  level: string;
  destination?: pino.DestinationStream;
}): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS, ...URL_PATHS], censor },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Removes the password from a connection URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}
