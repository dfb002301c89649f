import { describe, expect, it } from "vitest";
import { parseEnv } from "./parse-env.ts";
import { ReservationWorkerEnvSchema } from "./reservation-worker.ts";

describe("the reservation worker's environment", () => {
  it("takes OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS (20 by default)", () => {
    expect(parseEnv(ReservationWorkerEnvSchema, {}).OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS).toBe(20);
    expect(
      parseEnv(ReservationWorkerEnvSchema, { OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS: "5" })
        .OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS,
    ).toBe(5);
  });

  it("refuses the variable's name from when the alert counted attempts, naming the new one, rather than ignore it", () => {
    expect(() => parseEnv(ReservationWorkerEnvSchema, { OUTSIDE_GROUPS_ALERT_MIN_ATTEMPTS: "5" })).toThrow(
      /OUTSIDE_GROUPS_ALERT_MIN_ATTEMPTS: was renamed OUTSIDE_GROUPS_ALERT_MIN_ACCOUNTS/,
    );
  });
});
