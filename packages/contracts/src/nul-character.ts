type Visit = { value: unknown; key: string | number | null; parent: Visit | null };

/**
 * PostgreSQL stores no U+0000 in text or jsonb: a string carrying it fails the statement that writes
 * it, and a reservation's statement writes a whole group commit, so one such request would stop its
 * partition. Every input from outside is checked with this after its schema: the path of a
 * string (or object key, or uploaded file's name) holding U+0000, or null when there is none. It
 * walks without recursion and builds only the path it returns, so any depth costs linear time.
 */
export function findNulCharacter(value: unknown): (string | number)[] | null {
  const pending: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      if (current.includes("\u0000")) return pathOf(visit);
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1)
        pending.push({ value: current[index], key: index, parent: visit });
    } else if (typeof File !== "undefined" && current instanceof File) {
      if (current.name.includes("\u0000")) return [...pathOf(visit), "name"];
    } else if (current !== null && typeof current === "object") {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, child] = entries[index] as [string, unknown];
        if (key.includes("\u0000")) return [...pathOf(visit), key];
        pending.push({ value: child, key, parent: visit });
      }
    }
  }
  return null;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let step: Visit | null = visit; step !== null && step.key !== null; step = step.parent)
    path.push(step.key);
  return path.reverse();
}

export const NUL_CHARACTER_MESSAGE = "must not contain the NUL character (U+0000)";
