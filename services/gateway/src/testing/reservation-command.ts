import type { ReservationCommand } from "@promo/contracts";

/** A queued reservation request for unit and integration tests: one item, no key, no stack. */
export function reservationCommand(overrides: Partial<ReservationCommand> = {}): ReservationCommand {
  const codeKey = overrides.codeKey ?? "FLASH11";
  return {
    id: crypto.randomUUID(),
    storeId: "00000000-0000-4000-8000-000000000001",
    code: codeKey,
    codeKey,
    accountId: "shopper",
    memberGroups: [],
    cart: { currency: "TWD", items: [{ productId: "P-1", unitPrice: 990, quantity: 1 }], shipping: 60 },
    idempotencyKey: null,
    requestHash: "",
    clientIp: null,
    acceptedAt: new Date(0).toISOString(),
    ...overrides,
  };
}
