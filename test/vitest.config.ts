import { definePromoVitestConfig } from "../vitest.shared.ts";

export default definePromoVitestConfig({ e2e: true });
