import { PassThrough } from "node:stream";
import type { Logger } from "@promo/observability";

/**
 * What the writer of a streamed download sees: the output to write to, and `room()`, to await between
 * pages. It waits while the client has not yet taken what was written, so the gateway holds about
 * one page per download however slowly the client reads; it answers false once the client has gone
 * (closed the connection, or the stream failed), and the writer then stops reading PostgreSQL.
 */
export type DownloadSink = {
  output: PassThrough;
  room(): Promise<boolean>;
};

export type DownloadOptions = {
  /** Named in the logs ("code export"). */
  what: string;
  /**
   * The request's method. A HEAD request gets the headers alone and no writer runs: Hono answers a
   * HEAD with the GET handler's response less its body, dropped without a cancel, so each HEAD left
   * a writer parked for good and the downloads-in-progress gauge one higher.
   */
  method: string;
  logger: Logger;
  headers: Record<string, string>;
  /** Told when the writer starts and when it has ended, however it ended. */
  onStart?: () => void;
  onEnd?: (end: DownloadEnd) => void;
};

export type DownloadEnd = "finished" | "client_gone" | "failed";

/**
 * A 200 response whose body `write` produces in the background. A writer that throws ends the
 * download broken (the client sees a cut transfer, never a well-formed short file) and is logged at
 * warn; a client that goes away is logged at info.
 */
export function streamDownload(
  write: (sink: DownloadSink) => Promise<void>,
  options: DownloadOptions,
): Response {
  if (options.method === "HEAD") return new Response(null, { status: 200, headers: options.headers });
  const output = new PassThrough();
  const sink: DownloadSink = { output, room: () => roomIn(output) };
  options.onStart?.();
  // The client may go while the writer waits on something that never comes once the output is
  // gone (exceljs finishing a zip into it): the download ends then, whatever the writer does.
  const clientGone = new Promise<DownloadEnd>((resolve) => {
    output.once("close", () => {
      if (!output.readableEnded) resolve("client_gone");
    });
  });
  // A writer that returns because room() said the client went (before the output's "close" event
  // comes) ended for that reason, not because it finished.
  const written = write(sink).then(
    (): DownloadEnd => (output.destroyed && !output.readableEnded ? "client_gone" : "finished"),
  );
  void Promise.race([written, clientGone]).then(
    (end) => {
      if (end === "client_gone") options.logger.info(`${options.what} stopped: the client went away`);
      options.onEnd?.(end);
    },
    (error: unknown) => {
      options.logger.warn({ err: error }, `${options.what} failed mid-stream`);
      output.destroy(error instanceof Error ? error : new Error(String(error)));
      options.onEnd?.("failed");
    },
  );
  return new Response(pulledFrom(output), { status: 200, headers: options.headers });
}

/**
 * The output as the response's body, read only when the response asks for a chunk. Once the response
 * cancels it (the client went away) the
 * output is destroyed, which stops the writer, and nothing is handed over again. Node 20's
 * `Readable.toWeb` pushes each chunk as the output emits it, and one emitted in the turn of a cancel
 * went into the closed stream: an exception no handler could catch, which ended the gateway.
 */
function pulledFrom(output: PassThrough): ReadableStream<Uint8Array> {
  const chunks = output[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        // The writer failed (output destroyed with its error): the transfer is cut.
        if (!cancelled) controller.error(error);
      }
    },
    cancel() {
      cancelled = true;
      output.destroy();
    },
  });
}

/** Resolves true once `output` can take more, false if it is destroyed first. */
function roomIn(output: PassThrough): Promise<boolean> {
  if (output.destroyed) return Promise.resolve(false);
  if (!output.writableNeedDrain) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = () => {
      output.off("drain", settle);
      output.off("close", settle);
      resolve(!output.destroyed);
    };
    output.on("drain", settle);
    output.on("close", settle);
  });
}
