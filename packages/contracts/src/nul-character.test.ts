import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findNulCharacter } from "./nul-character.ts";

describe("findNulCharacter", () => {
  it("names the string, key or file name holding U+0000 (of several strings, the first in document order)", () => {
    expect(
      findNulCharacter({ code: "ABC123", cart: { items: [{ productId: "P" }, { productId: "Q\u0000" }] } }),
    ).toEqual(["cart", "items", 1, "productId"]);
    expect(findNulCharacter({ a: "x\u0000", b: "y\u0000" })).toEqual(["a"]);
    expect(findNulCharacter({ meta: { "bad\u0000key": 1 } })).toEqual(["meta", "bad\u0000key"]);
    expect(findNulCharacter(["ok", ["deep", "\u0000"]])).toEqual([1, 1]);
    expect(findNulCharacter("\u0000")).toEqual([]);
    expect(findNulCharacter({ file: new File(["x"], "codes\u0000.xlsx") })).toEqual(["file", "name"]);
  });

  it("finds nothing in values without U+0000, whatever their shape", () => {
    const noNul = fc.string().filter((text) => !text.includes("\u0000"));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        noNul,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value")),
        fc.dictionary(noNul, tie("value")),
      ),
    })).value;
    fc.assert(fc.property(json, (value) => findNulCharacter(value) === null));
  });

  it("finds U+0000 wherever it is put into a value", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string().filter((text) => !text.includes("\u0000")),
          { minLength: 1 },
        ),
        fc.nat(),
        (texts, at) => {
          const index = at % texts.length;
          const poisoned = texts.map((text, position) => (position === index ? `${text}\u0000` : text));
          expect(findNulCharacter({ nested: { list: poisoned } })).toEqual(["nested", "list", index]);
        },
      ),
    );
  });

  it("walks a deeply nested value without overflowing the stack", () => {
    let value: unknown = "\u0000";
    for (let depth = 0; depth < 100_000; depth += 1) value = [value];
    expect(findNulCharacter(value)).toHaveLength(100_000);
  });
});
