// Values the integration globalSetup hands to every test file (vitest `provide` / `inject`).
declare module "vitest" {
  export interface ProvidedContext {
    /** Migrated template database that test files clone. */
    templateDatabase: string;
  }
}

export {};
