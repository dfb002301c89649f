// `npm run services`: makes Redis, PostgreSQL and Kafka reachable at the configured URLs, starting
// local ones when they do not answer (see packages/dev-services). Prints one line per service;
// exits 1 with a message per failing service.
// `tsx scripts/services.ts --stop-kafka` stops the local Kafka broker this project started.
import { DevServicesEnvSchema, parseEnv } from "@promo/config";
import {
  DevServicesError,
  ensureServices,
  formatProgress,
  formatReport,
  stopLocalKafka,
} from "@promo/dev-services";

async function runServices(): Promise<void> {
  if (process.argv.includes("--stop-kafka")) {
    const stopped = await stopLocalKafka();
    console.log(
      formatProgress("kafka", stopped ? "stopped the local broker" : "no local broker was running"),
    );
    return;
  }
  const env = parseEnv(DevServicesEnvSchema, process.env);
  const reports = await ensureServices(env, {
    onProgress: (name, message) => console.log(formatProgress(name, message)),
  });
  for (const report of reports) console.log(formatReport(report));
}

try {
  await runServices();
  process.exit(0);
} catch (error) {
  if (error instanceof DevServicesError) {
    for (const report of error.reports) console.log(formatReport(report));
    console.error(error.message);
  } else {
    console.error(`services: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
