import { describe, expect, it } from "vitest";
import { storableJobJson } from "./code-jobs.ts";

describe("a job's result and problems as stored", () => {
  it("reads U+0000 and lone surrogates as U+FFFD, which PostgreSQL's jsonb takes, and keeps the rest", () => {
    const problems = [
      { row: 2, value: "INP\u000009", reason: "symbol" },
      { row: 3, value: "AB\ud800CD", reason: "symbol" },
      { row: 4, value: "\udc00X", reason: "symbol" },
      { row: 5, value: "優惠碼 😀 ok", reason: "too_short" },
    ];
    expect(JSON.parse(storableJobJson(problems))).toEqual([
      { row: 2, value: "INP\ufffd09", reason: "symbol" },
      { row: 3, value: "AB\ufffdCD", reason: "symbol" },
      { row: 4, value: "\ufffdX", reason: "symbol" },
      { row: 5, value: "優惠碼 😀 ok", reason: "too_short" },
    ]);
    expect(storableJobJson({ generated: 5 })).toBe('{"generated":5}');
  });
});
