type Visit = { value: unknown; key: string | number | null; parent: Visit | null };

/** Where in an input a string PostgreSQL cannot store sits, and why it cannot. */
export type UnstorableText = { path: (string | number)[]; message: string };

export const NUL_CHARACTER_MESSAGE = "must not contain the NUL character (U+0000)";
export const LONE_SURROGATE_MESSAGE = "must be well-formed Unicode (it holds a lone surrogate)";

/** A UTF-16 surrogate code unit without its other half (the regex works on code units: no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problemOf(text: string): string | null {
  if (text.includes("\u0000")) return NUL_CHARACTER_MESSAGE;
  if (LONE_SURROGATE.test(text)) return LONE_SURROGATE_MESSAGE;
  return null;
}

/**
 * PostgreSQL stores neither U+0000 nor a lone surrogate in text or jsonb: a string carrying one fails
 * the statement that writes it, and a reservation's statement writes a whole group commit, so one
 * such request would stop its partition. Every input from outside is checked with this after its
 * schema: the first string (or object key, or uploaded file's name) PostgreSQL could not store, with
 * its path, or null when there is none.
 */
export function findUnstorableText(value: unknown): UnstorableText | null {
  return listUnstorableText(value, 1)[0] ?? null;
}

/**
 * Every string of an input PostgreSQL could not store, in document order, up to `limit` of them. It
 * walks without recursion and builds only the paths it returns, so any depth costs linear time.
 */
export function listUnstorableText(value: unknown, limit: number): UnstorableText[] {
  const found: UnstorableText[] = [];
  const pending: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = pending.pop(); visit !== undefined && found.length < limit; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      const message = problemOf(current);
      if (message) found.push({ path: pathOf(visit), message });
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1)
        pending.push({ value: current[index], key: index, parent: visit });
    } else if (typeof File !== "undefined" && current instanceof File) {
      const message = problemOf(current.name);
      if (message) found.push({ path: [...pathOf(visit), "name"], message });
    } else if (current !== null && typeof current === "object") {
      const entries = Object.entries(current);
      // Keys before values, in order: a bad key is named once, and its value is not visited.
      const children: Visit[] = [];
      for (const [key, child] of entries) {
        const message = problemOf(key);
        if (message) {
          if (found.length < limit) found.push({ path: [...pathOf(visit), key], message });
        } else children.push({ value: child, key, parent: visit });
      }
      for (let index = children.length - 1; index >= 0; index -= 1) pending.push(children[index] as Visit);
    }
  }
  return found;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let step: Visit | null = visit; step !== null && step.key !== null; step = step.parent)
    path.push(step.key);
  return path.reverse();
}
