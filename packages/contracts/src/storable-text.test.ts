import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  findUnstorableText,
  LONE_SURROGATE_MESSAGE,
  listUnstorableText,
  NUL_CHARACTER_MESSAGE,
} from "./storable-text.ts";

const nul = (path: (string | number)[]) => ({ path, message: NUL_CHARACTER_MESSAGE });
const surrogate = (path: (string | number)[]) => ({ path, message: LONE_SURROGATE_MESSAGE });

/** Strings PostgreSQL stores: no U+0000, every surrogate paired (fast-check's default strings are such). */
const storable = fc.string({ unit: "grapheme" }).filter((text) => !text.includes("\u0000"));

describe("findUnstorableText", () => {
  it("names the string, key or file name PostgreSQL could not store, and why", () => {
    expect(
      findUnstorableText({ code: "ABC123", cart: { items: [{ productId: "P" }, { productId: "Q\u0000" }] } }),
    ).toEqual(nul(["cart", "items", 1, "productId"]));
    expect(findUnstorableText({ a: "x\u0000", b: "y\u0000" })).toEqual(nul(["a"]));
    expect(findUnstorableText({ meta: { "bad\u0000key": 1 } })).toEqual(nul(["meta", "bad\u0000key"]));
    expect(findUnstorableText(["ok", ["deep", "\u0000"]])).toEqual(nul([1, 1]));
    expect(findUnstorableText("\u0000")).toEqual(nul([]));
    expect(findUnstorableText({ file: new File(["x"], "codes\u0000.xlsx") })).toEqual(nul(["file", "name"]));
    expect(findUnstorableText({ accountId: "a\ud800b" })).toEqual(surrogate(["accountId"]));
    expect(findUnstorableText({ accountId: "\udc00" })).toEqual(surrogate(["accountId"]));
    expect(findUnstorableText({ accountId: "end\ud83d" })).toEqual(surrogate(["accountId"]));
  });

  it("lists every such string in order, keys before their object's values, up to the limit", () => {
    const input = {
      accountId: "a\u0000",
      cart: { items: [{ productId: "ok" }, { productId: "\ud800" }], "k\u0000": "never visited\u0000" },
      memberGroups: ["x\u0000", "y"],
    };
    expect(listUnstorableText(input, 10)).toEqual([
      nul(["accountId"]),
      nul(["cart", "k\u0000"]),
      surrogate(["cart", "items", 1, "productId"]),
      nul(["memberGroups", 0]),
    ]);
    expect(listUnstorableText(input, 2)).toEqual([nul(["accountId"]), nul(["cart", "k\u0000"])]);
    expect(listUnstorableText({ ok: ["fine"] }, 10)).toEqual([]);
  });

  it("accepts text PostgreSQL stores: paired surrogates (emoji), CJK, every other control character", () => {
    expect(
      findUnstorableText({ name: "雙十一 😀 \u0001\u001f\u007f\ufffd", tags: ["\ud83d\ude00"] }),
    ).toBeNull();
  });

  it("finds nothing in values without such text, whatever their shape", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        storable,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value")),
        fc.dictionary(storable, tie("value")),
      ),
    })).value;
    fc.assert(fc.property(json, (value) => findUnstorableText(value) === null));
  });

  it("finds U+0000 or a lone surrogate wherever it is put into a value", () => {
    fc.assert(
      fc.property(
        fc.array(storable, { minLength: 1 }),
        fc.nat(),
        fc.constantFrom("\u0000", "\ud800", "\udfff"),
        (texts, at, bad) => {
          const index = at % texts.length;
          const poisoned = texts.map((text, position) => (position === index ? `${text}${bad}` : text));
          expect(findUnstorableText({ nested: { list: poisoned } })?.path).toEqual(["nested", "list", index]);
        },
      ),
    );
  });

  it("walks a deeply nested value without overflowing the stack", () => {
    let value: unknown = "\u0000";
    for (let depth = 0; depth < 100_000; depth += 1) value = [value];
    expect(findUnstorableText(value)?.path).toHaveLength(100_000);
  });
});
