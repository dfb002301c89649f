// `npm run services`: makes Redis, PostgreSQL and Kafka reachable at the configured URLs, starting
// local ones when they do not answer. `--stop-kafka` stops the local broker this project started.
import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import { ensureServices, formatReport, stopLocalKafka } from "@promo/dev-services";

try {
  if (process.argv.includes("--stop-kafka")) {
    console.log(
      (await stopLocalKafka()) ? "kafka      stopped local broker" : "kafka      no local broker was running",
    );
  } else {
    const env = parseEnv(DevServicesEnvSchema, process.env);
    for (const report of await ensureServices(env)) console.log(formatReport(report));
  }
} catch (error) {
  console.error(`services: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
