const MAX_LINES = 12;
const STACK_FRAME = /^\s+at /;

/**
 * The head of a failure for the rejected branch's brief: the assertion and its
 * diff, without the stack (runner frames say nothing about the branch).
 */
export function failureSummary(text: string): string | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const stackAt = lines.findIndex((line) => STACK_FRAME.test(line));
  const head = (stackAt === -1 ? lines : lines.slice(0, stackAt)).slice(0, MAX_LINES);
  const summary = head.join('\n').trim();
  return summary === '' ? undefined : summary;
}
