// Panel search: a case-insensitive regular expression over metric keys (W&B's panel
// search); text that is not a valid expression matches as plain text and says why.

export function panelSearchError(search: string): string | null {
  if (!search) return null;
  try {
    new RegExp(search, "i");
    return null;
  } catch (e) {
    return `not a regular expression, matched as text: ${(e as Error).message}`;
  }
}

/** A predicate over keys for `search` ("" matches everything). */
export function panelMatcher(search: string): (key: string) => boolean {
  if (!search) return () => true;
  try {
    const re = new RegExp(search, "i");
    return (key) => re.test(key);
  } catch {
    const text = search.toLowerCase();
    return (key) => key.toLowerCase().includes(text);
  }
}
