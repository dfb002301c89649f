import { z } from "zod";

/** One message on the gateways' key revocation channel: this key was revoked (committed). */
export const ApiKeyRevokedMessageSchema = z.object({ keyId: z.uuid() });
export type ApiKeyRevokedMessage = z.infer<typeof ApiKeyRevokedMessageSchema>;
