/**
 * The last line of an output that parses as a JSON object `accept` takes: an
 * agent CLI prints its result last, and the session log holds stderr too.
 */
export function lastJsonLine(output: string, accept: (value: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  const lines = output.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]?.trim() ?? '';
    if (!line.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && accept(value as Record<string, unknown>)) return value as Record<string, unknown>;
    } catch {
      // Not JSON: a line of stderr that happens to start with a brace.
    }
  }
  return undefined;
}
