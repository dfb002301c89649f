import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { asciiText, cdataAsText } from "./xlsx-rewrites.ts";

/** Every text node and attribute value as an XML reader sees them, in document order. */
function readBack(xml: string): string[] {
  const seen: string[] = [];
  const parser = new SaxesParser();
  parser.on("text", (text) => seen.push(`text:${text}`));
  parser.on("cdata", (text) => seen.push(`text:${text}`));
  parser.on("opentag", (tag) => {
    for (const [name, value] of Object.entries(tag.attributes)) seen.push(`${name}=${String(value)}`);
  });
  parser.write(xml).close();
  return seen;
}

describe("asciiText", () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><!-- 註解 --><sst><si><t xml:space="preserve">優惠 é😀</t></si>' +
    "<si><t><![CDATA[a<b>&優]]></t></si><si t='ß>x'><t>plain</t></si></sst>";

  it("writes what is not ASCII in text and attribute values as references an XML reader reads back", () => {
    const ascii = asciiText(xml);
    expect(ascii).toMatch(/^[\t\n\r -~]*<!-- 註解 -->[\t\n\r -~]*$/);
    expect(ascii).toContain("&#x512a;&#x60e0; &#xe9;&#x1f600;");
    expect(ascii).toContain("<t>a&lt;b&gt;&amp;&#x512a;</t>");
    expect(readBack(ascii)).toEqual(readBack(xml));
  });

  it("leaves an ASCII part as it is", () => {
    const plain = '<sst><si><t a="1">ABC&amp;123</t></si></sst>';
    expect(asciiText(plain)).toBe(plain);
  });
});

describe("cdataAsText", () => {
  it("writes each CDATA section as the same text escaped, in an ASCII part too", () => {
    const xml = "<sst><!-- <![CDATA[kept]]> --><si><t><![CDATA[a<b>&c]]></t></si><si><t>x</t></si></sst>";
    const text = cdataAsText(xml);
    expect(text).toBe(
      "<sst><!-- <![CDATA[kept]]> --><si><t>a&lt;b&gt;&amp;c</t></si><si><t>x</t></si></sst>",
    );
    expect(readBack(text)).toEqual(readBack(xml));
  });
});
