import { createHash } from "node:crypto";

/** Length of a checksum as Prisma writes it: 32 bytes, two hex digits each. */
const CHECKSUM_LENGTH = 64;

function hashScript(script: string | Uint8Array): Buffer {
  return createHash("sha256").update(script).digest();
}

/**
 * The checksum Prisma records in `_prisma_migrations.checksum`: SHA-256 of the migration.sql text
 * (UTF-8 bytes, exactly as on disk: no line-ending or BOM normalization), as 64 lowercase hex
 * digits. Mirrors `render_checksum` in prisma-engines (schema-engine/core/src/checksum.rs).
 */
export function computeMigrationChecksum(script: string | Uint8Array): string {
  return hashScript(script).toString("hex");
}

/** @deprecated Use {@link computeMigrationChecksum}; kept for existing callers. */
export const checksumOf = computeMigrationChecksum;

/**
 * Whether a recorded checksum still matches the script, with Prisma's tolerance
 * (`script_matches_checksum`): the script as is, with CRLF turned into LF, or with LF turned into
 * CRLF (git may rewrite line endings on checkout), and, for rows written by old Prisma versions, the
 * hex digits rendered without zero-padding (prisma-engines issue 1887).
 */
export function matchesMigrationChecksum(script: string, recorded: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  const legacy = recorded.length > 0 && recorded.length !== CHECKSUM_LENGTH;
  return variants.some((variant) => {
    const digest = hashScript(variant);
    const rendered = legacy
      ? Array.from(digest, (byte) => byte.toString(16)).join("")
      : digest.toString("hex");
    return rendered === recorded;
  });
}
