import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignSubscribedRoundRobin } from "./subscribed-round-robin.ts";

const TOPICS = ["orders", "orders.v2", "staging.orders"];

/** Members (ids) with the topics each reads, and each topic's partition count. */
const groups = fc.record({
  members: fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      topics: fc.subarray(TOPICS, { minLength: 1 }),
    }),
    { minLength: 1, maxLength: 8, selector: (member) => member.id },
  ),
  partitions: fc.tuple(fc.nat(12), fc.nat(12), fc.nat(12)),
});

function partitionsOf(counts: readonly number[]) {
  return (topic: string) => Array.from({ length: counts[TOPICS.indexOf(topic)] ?? 0 }, (_, index) => index);
}

describe("assignSubscribedRoundRobin", () => {
  it("gives every partition of a read topic to exactly one member that reads it", () => {
    fc.assert(
      fc.property(groups, ({ members, partitions }) => {
        const subscriptions = new Map(members.map((member) => [member.id, member.topics]));
        const assignments = assignSubscribedRoundRobin(subscriptions, partitionsOf(partitions));
        expect([...assignments.keys()].sort()).toEqual(members.map((member) => member.id).sort());
        for (const topic of TOPICS) {
          const owners = [...assignments].flatMap(([member, assignment]) =>
            (assignment[topic] ?? []).map((partition) => ({ member, partition })),
          );
          const read = members.some((member) => member.topics.includes(topic));
          expect(owners.map((owner) => owner.partition).sort((a, b) => a - b)).toEqual(
            read ? partitionsOf(partitions)(topic) : [],
          );
          for (const owner of owners) expect(subscriptions.get(owner.member)).toContain(topic);
        }
      }),
    );
  });

  it("shares one topic evenly, as kafkajs's round robin does, whatever order the members came in", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.nat(40),
        (memberIds, count) => {
          const partitions = () => Array.from({ length: count }, (_, index) => index);
          const assignments = assignSubscribedRoundRobin(
            new Map(memberIds.map((id) => [id, ["orders"]])),
            partitions,
          );
          const sorted = [...memberIds].sort();
          for (const [index, member] of sorted.entries()) {
            expect(assignments.get(member)?.orders ?? []).toEqual(
              partitions().filter((partition) => partition % sorted.length === index),
            );
          }
          const reversed = assignSubscribedRoundRobin(
            new Map([...memberIds].reverse().map((id) => [id, ["orders"]])),
            partitions,
          );
          expect(reversed).toEqual(assignments);
        },
      ),
    );
  });

  it("deals two deployments' topics under one group name to their own members only", () => {
    const assignments = assignSubscribedRoundRobin(
      new Map([
        ["a-1", ["orders"]],
        ["b-1", ["staging.orders"]],
        ["a-2", ["orders"]],
      ]),
      () => [0, 1, 2],
    );
    expect(Object.fromEntries(assignments)).toEqual({
      "a-1": { orders: [0, 2] },
      "a-2": { orders: [1] },
      "b-1": { "staging.orders": [0, 1, 2] },
    });
  });
});
