import { definePromoVitestConfig } from "../../vitest.shared.ts";

export default definePromoVitestConfig();
