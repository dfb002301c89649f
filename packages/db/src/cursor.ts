/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** Returns null for anything that is not a cursor this system produced with `arity` values. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== arity) return null;
    const values = parsed.filter(
      (value): value is string | number => typeof value === "string" || typeof value === "number",
    );
    return values.length === arity ? values : null;
  } catch {
    return null;
  }
}
