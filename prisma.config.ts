// Prisma CLI configuration. The app never reads it: services build their client from their own
// validated config (packages/config). The URL only matters to `prisma migrate` users who have the
// schema engine; `npm run db:migrate` applies the same prisma/migrations without it.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/promo" },
});
