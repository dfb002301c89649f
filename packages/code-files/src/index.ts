export * from "./codes-export.ts";
export * from "./csv.ts";
export * from "./error-report.ts";
export * from "./import-file.ts";
export * from "./report-workbook.ts";
export { MAX_UNPACKED_BYTES } from "./xlsx-package.ts";
