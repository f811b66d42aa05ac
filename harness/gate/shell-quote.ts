/** POSIX single quotes (`it's` → `'it'\''s'`): one word for sh, whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
