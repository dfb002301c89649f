import busboy from "busboy";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { GatewayEnv } from "../env.ts";

/**
 * Parts an upload may hold: its file and a few fields (each one it does not take is named in the
 * 400); more is no upload of ours, and naming 20,000 unknown fields made a 1.2 MB answer.
 */
const MAX_PARTS = 20;

/**
 * Reads a multipart/form-data body on the upload paths (POST) with busboy and hands it to the
 * route's form validator as its FormData (Hono's validator takes a FormData the request already
 * holds). Node's own parser (undici's `formData()`) refuses what upload clients send every day:
 * parameters not in quotes and `filename*` (RFC 5987, a name such as 優惠碼.csv), both in every file
 * part .NET's MultipartFormDataContent writes (`name=file; filename=codes.csv;
 * filename*=utf-8''codes.csv`), so such clients could not import at all. Once read, the request's
 * Content-Type is set to plain `multipart/form-data`: the route's media-type gate takes only
 * `boundary` and refused `; charset=UTF-8` (Apache HttpClient) or a quoted boundary. A body busboy
 * cannot read, one cut short inside a file part too, is 400 naming `(body)`.
 */
export function readMultipartForms(paths: readonly RegExp[]) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const contentType = c.req.header("content-type") ?? "";
    if (
      c.req.method === "POST" &&
      paths.some((path) => path.test(c.req.path)) &&
      /^multipart\/form-data\b/i.test(contentType)
    ) {
      c.req.bodyCache.formData = await parseMultipart(c, contentType);
      c.req.raw.headers.set("content-type", "multipart/form-data");
    }
    await next();
  });
}

async function parseMultipart(c: Context<GatewayEnv>, contentType: string): Promise<FormData> {
  const bytes = Buffer.from(await c.req.arrayBuffer());
  const form = new FormData();
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const refuse = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new HTTPException(400, { message: `is not a readable multipart/form-data body (${reason})` }));
    };
    let parser: busboy.Busboy;
    try {
      // File names sent as UTF-8 bytes (what browsers do) read as UTF-8, not Latin-1.
      parser = busboy({
        headers: { "content-type": contentType },
        defParamCharset: "utf8",
        limits: { parts: MAX_PARTS },
      });
    } catch (error) {
      refuse((error as Error).message);
      return;
    }
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      // A body that ends inside the file fails its stream, not only the parser: unheard, that
      // error ended the gateway.
      stream.on("error", (error: Error) => refuse(error.message));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (!name) refuse("a part has no name");
        else form.append(name, new File(chunks, info.filename ?? "", { type: info.mimeType }));
      });
    });
    parser.on("field", (name, value) => {
      if (!name) refuse("a part has no name");
      else form.append(name, value);
    });
    parser.on("partsLimit", () => refuse(`more than ${MAX_PARTS} parts`));
    parser.on("error", (error: Error) => refuse(error.message));
    parser.on("close", () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    parser.end(bytes);
  });
  return form;
}
