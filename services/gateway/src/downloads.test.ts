import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { createLogger } from "@promo/observability";
import { describe, expect, it } from "vitest";
import { type DownloadEnd, type DownloadSink, streamDownload } from "./downloads.ts";

const PAGE = Buffer.alloc(64 * 1024, 1);
const PAGES = 200;

/** A download whose writer writes PAGES pages of 64 KiB, waiting for room between them. */
function pagedDownload(options: { failAtPage?: number; hangWhenGone?: boolean; method?: string } = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  const ends: DownloadEnd[] = [];
  let started = 0;
  let pagesWritten = 0;
  let writerDone!: () => void;
  const writerEnded = new Promise<void>((resolve) => {
    writerDone = resolve;
  });
  const response = streamDownload(
    async ({ output, room }: DownloadSink) => {
      try {
        for (let page = 0; page < PAGES; page += 1) {
          if (page === options.failAtPage) throw new Error("PostgreSQL went away");
          output.write(PAGE);
          pagesWritten += 1;
          if (await room()) continue;
          // As exceljs does when asked to finish a zip into an output that is gone.
          if (options.hangWhenGone) await new Promise(() => undefined);
          return;
        }
        output.end();
      } finally {
        writerDone();
      }
    },
    {
      what: "test download",
      method: options.method ?? "GET",
      logger: createLogger({ service: "gateway", level: "info", destination }),
      headers: { "content-type": "application/octet-stream" },
      onStart: () => {
        started += 1;
      },
      onEnd: (end) => ends.push(end),
    },
  );
  return { response, lines, ends, started: () => started, pagesWritten: () => pagesWritten, writerEnded };
}

/** Lets the writer run as far as it can without the client reading. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 50; turn += 1) await nextTurn();
}

describe("streamDownload", () => {
  it("answers a HEAD request with the headers alone: no writer runs, none is counted in progress", async () => {
    const download = pagedDownload({ method: "HEAD" });
    await settle();
    expect([download.response.status, download.response.body]).toEqual([200, null]);
    expect(download.response.headers.get("content-type")).toBe("application/octet-stream");
    expect([download.started(), download.pagesWritten(), download.ends]).toEqual([0, 0, []]);
  });

  it("holds the writer while the client does not read, and lets it finish as the client reads", async () => {
    const download = pagedDownload();
    expect(download.response.status).toBe(200);
    expect(download.response.headers.get("content-type")).toBe("application/octet-stream");
    expect(download.started()).toBe(1);
    await settle();
    // A few pages fill the stream's buffers; then the writer waits instead of reading the rest.
    expect(download.pagesWritten()).toBeLessThan(8);

    const body = Buffer.from(await download.response.arrayBuffer());
    await download.writerEnded;
    expect(body.length).toBe(PAGES * PAGE.length);
    expect(download.pagesWritten()).toBe(PAGES);
    expect(download.ends).toEqual(["finished"]);
    expect(download.lines).toEqual([]);
  });

  it("stops the writer when the client goes away, and says so at info", async () => {
    const download = pagedDownload();
    const reader = download.response.body?.getReader();
    await reader?.read();
    await settle();
    await reader?.cancel();
    await download.writerEnded;
    await settle();
    expect(download.pagesWritten()).toBeLessThan(16);
    expect(download.ends).toEqual(["client_gone"]);
    expect(download.lines.map((line) => [line.level, line.msg])).toEqual([
      ["info", "test download stopped: the client went away"],
    ]);
  });

  it("survives a client that goes away while its next chunk is being read (a HEAD request's body is cancelled so)", async () => {
    const thrown: unknown[] = [];
    const record = (error: unknown) => thrown.push(error);
    process.on("uncaughtException", record);
    try {
      const download = pagedDownload();
      const reader = download.response.body?.getReader();
      await settle();
      // A read asks the output for more; the cancel comes in the same turn, before it arrives.
      const pending = reader?.read();
      await reader?.cancel();
      await pending;
      await download.writerEnded;
      await settle();
      expect(thrown).toEqual([]);
      expect(download.ends).toEqual(["client_gone"]);
    } finally {
      process.off("uncaughtException", record);
    }
  });

  it("ends when the client goes away even if the writer never returns", async () => {
    const download = pagedDownload({ hangWhenGone: true });
    const reader = download.response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await settle();
    expect(download.ends).toEqual(["client_gone"]);
  });

  it("cuts the transfer when the writer fails, so the client never takes a short file for a whole one", async () => {
    const download = pagedDownload({ failAtPage: 3 });
    await expect(download.response.arrayBuffer()).rejects.toThrow();
    await download.writerEnded;
    await settle();
    expect(download.ends).toEqual(["failed"]);
    expect(
      download.lines.map((line) => [line.level, line.msg, (line.err as { message: string }).message]),
    ).toEqual([["warn", "test download failed mid-stream", "PostgreSQL went away"]]);
  });
});
