/** A migration run refused or failed; the message names the migration (or file) concerned. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
}
