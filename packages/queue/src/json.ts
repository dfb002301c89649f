/** The JSON value of a pub/sub message, or undefined when it is not JSON (its schema then refuses it). */
export function parseJsonMessage(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
