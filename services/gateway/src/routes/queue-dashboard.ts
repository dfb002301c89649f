import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";

/**
 * Bull Board for the given queues, served under `basePath` (its page, assets and JSON API). The
 * caller mounts it at the same path behind the admin scope.
 */
export function queueDashboardRoutes(input: { queues: readonly Queue[]; basePath: string }) {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(input.basePath);
  createBullBoard({ queues: input.queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  return serverAdapter.registerPlugin();
}
