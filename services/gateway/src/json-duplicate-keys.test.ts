import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { duplicateKeyPath } from "./json-duplicate-keys.ts";

describe("duplicateKeyPath", () => {
  it("names a member given twice, at any depth, by the path validation errors use", () => {
    expect(duplicateKeyPath('{"usageLimit": 1, "usageLimit": null}')).toBe("usageLimit");
    expect(
      duplicateKeyPath('{"cart": {"lines": [{"productId": "A"}, {"productId": "B", "productId": "C"}]}}'),
    ).toBe("cart.lines.1.productId");
    expect(duplicateKeyPath('[{"a": 1}, [{"b": 1, "b": 2}]]')).toBe("1.0.b");
    // One name however it is escaped; a value that looks like a name is not one.
    expect(duplicateKeyPath('{"code": 1, "\\u0063ode": 2}')).toBe("code");
    expect(duplicateKeyPath('{"a": "a", "b": ["a", "a"], "c": {"a": 1}}')).toBeNull();
    expect(duplicateKeyPath('{"a\\"": 1, "a": 2, "a\\\\": 3}')).toBeNull();
  });

  it("finds none in JSON.stringify's output, and the one put in", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, name) => {
        const text = JSON.stringify(value);
        expect(duplicateKeyPath(text)).toBeNull();
        const repeated = `{${JSON.stringify(name)}: 1, "x": ${text}, ${JSON.stringify(name)}: 2}`;
        expect(duplicateKeyPath(repeated)).toBe(name);
      }),
    );
  });

  it("gives up on text that is not JSON, which JSON.parse then refuses", () => {
    for (const text of ['{"a": 1, "a', "}}]]", '{"a": [1, {"b": 2', "", "nonsense"]) {
      expect(duplicateKeyPath(text)).toBeNull();
    }
  });
});
