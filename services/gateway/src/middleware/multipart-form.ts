import busboy from "busboy";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { GatewayEnv } from "../env.ts";

/**
 * Reads a multipart/form-data body on the upload paths with busboy and hands it to the route's form
 * validator as its FormData (Hono's validator takes a FormData the request already holds). Node's
 * own parser (undici's `formData()`) refuses what upload clients send every day: parameters not in
 * quotes and `filename*` (RFC 5987, a name such as 優惠碼.csv), both in every file part .NET's
 * MultipartFormDataContent writes (`name=file; filename=codes.csv; filename*=utf-8''codes.csv`), so
 * such clients could not import at all. A body busboy cannot read either is 400 naming `(body)`.
 */
export function readMultipartForms(paths: readonly RegExp[]) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const contentType = c.req.header("content-type") ?? "";
    if (paths.some((path) => path.test(c.req.path)) && /^multipart\/form-data\b/i.test(contentType)) {
      const form = await parseMultipart(c, contentType);
      c.req.bodyCache.formData = form;
    }
    await next();
  });
}

async function parseMultipart(c: Context<GatewayEnv>, contentType: string): Promise<FormData> {
  const bytes = Buffer.from(await c.req.arrayBuffer());
  const form = new FormData();
  await new Promise<void>((resolve, reject) => {
    const refuse = (reason: string) =>
      reject(new HTTPException(400, { message: `is not a readable multipart/form-data body (${reason})` }));
    let parser: busboy.Busboy;
    try {
      // File names sent as UTF-8 bytes (what browsers do) read as UTF-8, not Latin-1.
      parser = busboy({ headers: { "content-type": contentType }, defParamCharset: "utf8" });
    } catch (error) {
      refuse((error as Error).message);
      return;
    }
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () =>
        form.append(name, new File(chunks, info.filename ?? "", { type: info.mimeType })),
      );
    });
    parser.on("field", (name, value) => form.append(name, value));
    parser.on("error", (error: Error) => refuse(error.message));
    parser.on("close", () => resolve());
    parser.end(bytes);
  });
  return form;
}
