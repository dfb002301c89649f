export * from "./codes-export.ts";
export * from "./error-report.ts";
export * from "./import-file.ts";
