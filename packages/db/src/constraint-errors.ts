import { errorChain } from "./error-chain.ts";

/**
 * The foreign key constraint `error` says a write violated (SQLSTATE 23503, however pg or Prisma
 * through @prisma/adapter-pg report it), such as "campaign_partner_id_fkey"; null for any other
 * error. Routes check that what a request refers to exists before they write, so this means it was
 * deleted in between (a partner deleted while a campaign is tied to it): the request's answer is
 * that it does not exist, not a server fault.
 */
export function violatedForeignKey(error: unknown): string | null {
  for (const fields of errorChain(error)) {
    if (fields.code !== "23503" && fields.originalCode !== "23503") continue;
    const { constraint } = fields;
    if (typeof constraint === "string") return constraint;
    const index = (constraint as { index?: unknown } | undefined)?.index;
    return typeof index === "string" ? index : "";
  }
  return null;
}

/** The request field a foreign key's column is named by ("campaign_partner_id_fkey" -> "partnerId"). */
export function fieldOfForeignKey(constraint: string): string | null {
  const column = /_(partner|campaign|code|job)_id_fkey$/.exec(constraint)?.[1];
  return column === undefined ? null : `${column}Id`;
}
