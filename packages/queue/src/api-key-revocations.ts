import { type ApiKeyRevokedMessage, ApiKeyRevokedMessageSchema } from "@promo/contracts";
import { parseJsonMessage } from "./json.ts";
import type { RedisConnection } from "./redis.ts";

/** The pub/sub channel on which every gateway hears that an API key was revoked. */
export function apiKeyRevocationsChannel(prefix: string): string {
  return `${prefix}:api-key-revocations`;
}

export type ApiKeyRevocations = {
  /** Tells every gateway (this one included) that the key was revoked; call after the commit. */
  announce(keyId: string): Promise<void>;
  /** Calls `listener` with each revoked key's id that any gateway announces. */
  onRevoked(listener: (keyId: string) => void): void;
};

/**
 * Revoked keys told to every gateway at once, so that none keeps accepting a revoked key from its
 * key cache until the entry runs out. Best effort: a gateway whose subscription is down when a key
 * is revoked stops accepting it when its cache entry runs out (`API_KEY_CACHE_MS`). A message that
 * does not parse is reported, not thrown. `subscriber` becomes a subscriber: give it a dedicated
 * connection.
 */
export function createApiKeyRevocations(options: {
  publisher: RedisConnection;
  subscriber: RedisConnection;
  prefix: string;
  onError: (error: Error) => void;
}): ApiKeyRevocations & { ready: Promise<void>; close(): Promise<void> } {
  const channel = apiKeyRevocationsChannel(options.prefix);
  const listeners: ((keyId: string) => void)[] = [];
  options.subscriber.on("message", (from: string, text: string) => {
    if (from !== channel) return;
    const parsed = ApiKeyRevokedMessageSchema.safeParse(parseJsonMessage(text));
    if (!parsed.success) {
      options.onError(new Error(`unparseable key revocation: ${parsed.error.message}`));
      return;
    }
    for (const listener of listeners) listener(parsed.data.keyId);
  });
  return {
    ready: options.subscriber.subscribe(channel).then(() => undefined),
    async announce(keyId) {
      const message: ApiKeyRevokedMessage = { keyId };
      await options.publisher.publish(channel, JSON.stringify(message));
    },
    onRevoked(listener) {
      listeners.push(listener);
    },
    async close() {
      await options.subscriber.unsubscribe(channel).catch(() => undefined);
      options.subscriber.disconnect();
    },
  };
}
