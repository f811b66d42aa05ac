/**
 * The first `shown` items, comma-separated, and how many more there are:
 * enough of a long list (files, blobs, links) for a person or an agent to
 * see the pattern, without an inventory.
 */
export function firstOf(items: readonly string[], shown: number): string {
  const named = items.slice(0, shown).join(', ');
  return items.length > shown ? `${named}, and ${items.length - shown} more` : named;
}
