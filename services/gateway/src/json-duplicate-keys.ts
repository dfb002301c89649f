/**
 * The path of the first member that an object in this JSON text names twice, or null. JSON.parse
 * keeps the last value of a repeated name without a word, so `{"usageLimit": 1, "usageLimit": null}`
 * would make an unlimited campaign of what reads as a limited one. Names are compared as JSON reads
 * them (`"a"` and `"\u0061"` are one name). The path is as validation errors name fields: names and
 * array positions joined by dots (`cart.lines.0.productId`). Text that is not JSON gives null, or a
 * duplicate found before the text went wrong; JSON.parse refuses it afterwards.
 */
export function duplicateKeyPath(text: string): string | null {
  const open: Container[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      const end = stringEnd(text, index);
      if (end < 0) return null;
      const top = open.at(-1);
      if (top?.kind === "object" && top.expectsName) {
        const name = nameOf(text.slice(index, end + 1));
        if (name === null) return null;
        if (top.names.has(name)) return pathOf(open, name);
        top.names.add(name);
        top.current = name;
        top.expectsName = false;
      }
      index = end + 1;
      continue;
    }
    if (char === OPEN_BRACE) open.push({ kind: "object", names: new Set(), current: "", expectsName: true });
    else if (char === OPEN_BRACKET) open.push({ kind: "array", position: 0 });
    else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) open.pop();
    else if (char === COMMA) {
      const top = open.at(-1);
      if (top?.kind === "object") top.expectsName = true;
      else if (top?.kind === "array") top.position += 1;
    }
    index += 1;
  }
  return null;
}

type Container =
  | { kind: "object"; names: Set<string>; current: string; expectsName: boolean }
  | { kind: "array"; position: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The index of the quote that closes the string opening at `start`, or -1 if none does. */
function stringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text.charCodeAt(index);
    if (char === BACKSLASH) index += 2;
    else if (char === QUOTE) return index;
    else index += 1;
  }
  return -1;
}

/** A member name as JSON reads it; escapes are rare, so only then is the literal parsed. */
function nameOf(literal: string): string | null {
  if (!literal.includes("\\")) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return null;
  }
}

/** The path of member `name` of the innermost open object, through the containers around it. */
function pathOf(open: readonly Container[], name: string): string {
  const steps = open
    .slice(0, -1)
    .map((container) => (container.kind === "object" ? container.current : String(container.position)));
  return [...steps, name].join(".");
}
