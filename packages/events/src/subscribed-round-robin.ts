// Partition assignment for a consumer group whose members may read different topics. kafkajs's
// own round-robin assigner deals only the group leader's topics, to every member: a member that
// reads another topic under the same group name (two deployments left on the default group, or a
// rolling update to a renamed topic) gets nothing, and its topic goes unread without an error.
import { AssignerProtocol, type GroupMemberAssignment, type PartitionAssigner } from "kafkajs";

export const SUBSCRIBED_ROUND_ROBIN = "PromoSubscribedRoundRobin";
const PROTOCOL_VERSION = 0;

/** Partitions per topic, per member. */
export type MemberAssignments = Map<string, Record<string, number[]>>;

/**
 * Deals each topic's partitions among the members subscribed to it, each partition to the least
 * loaded of them so far (ties to the first member id in sort order), so a group whose members all
 * read one topic gets kafkajs's round robin and a member reading several topics is not favoured.
 * Every member appears in the result, with no partitions if none fell to it.
 */
export function assignSubscribedRoundRobin(
  subscriptions: ReadonlyMap<string, readonly string[]>,
  partitionsOf: (topic: string) => readonly number[],
): MemberAssignments {
  const members = [...subscriptions.keys()].sort();
  const assignments: MemberAssignments = new Map(members.map((member) => [member, {}]));
  const load = new Map(members.map((member) => [member, 0]));
  const topics = [...new Set([...subscriptions.values()].flat())].sort();
  for (const topic of topics) {
    const readers = members.filter((member) => subscriptions.get(member)?.includes(topic));
    for (const partition of [...partitionsOf(topic)].sort((a, b) => a - b)) {
      let chosen = readers[0];
      for (const reader of readers)
        if ((load.get(reader) ?? 0) < (load.get(chosen ?? "") ?? 0)) chosen = reader;
      if (chosen === undefined) break;
      const assignment = assignments.get(chosen) ?? {};
      assignment[topic] = [...(assignment[topic] ?? []), partition];
      load.set(chosen, (load.get(chosen) ?? 0) + 1);
    }
  }
  return assignments;
}

/**
 * The kafkajs assigner around assignSubscribedRoundRobin. The leader knows the partitions of its
 * own topics only, so it loads the metadata of the others first; a topic it cannot load (deleted
 * meanwhile) is left unassigned until the next rebalance, and the rest of the group still gets its
 * share. List kafkajs's round robin after it: during a rolling update from members that know only
 * that one, the group agrees on it until every member knows this one.
 */
export const subscribedRoundRobin: PartitionAssigner = ({ cluster, logger }) => ({
  name: SUBSCRIBED_ROUND_ROBIN,
  version: PROTOCOL_VERSION,
  async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
    const subscriptions = new Map(
      members.map((member) => [
        member.memberId,
        AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? topics,
      ]),
    );
    const known = new Set(topics);
    for (const topic of new Set([...subscriptions.values()].flat())) {
      if (known.has(topic)) continue;
      try {
        await cluster.addTargetTopic(topic);
        known.add(topic);
      } catch (error) {
        logger.warn("cannot load a member's topic: left unassigned", {
          topic,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const assignments = assignSubscribedRoundRobin(subscriptions, (topic) =>
      known.has(topic)
        ? cluster.findTopicPartitionMetadata(topic).map((partition) => partition.partitionId)
        : [],
    );
    return [...assignments].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: PROTOCOL_VERSION,
        assignment,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: SUBSCRIBED_ROUND_ROBIN,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: PROTOCOL_VERSION,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
