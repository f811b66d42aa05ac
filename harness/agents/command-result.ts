import { z } from 'zod';
import type { SessionReport } from './agent-adapter.ts';
import { lastJsonLine } from './result-line.ts';

/**
 * gantry's result line, for a command agent that knows what it spent: one
 * JSON line on its output, e.g.
 * `{"type":"gantry.result","provider":"anthropic","costUsd":0.12,"inputTokens":5000,"outputTokens":800}`,
 * optionally with `"end": "rate-limited" | "auth" | "error"` and a `message`.
 * Without one, a command session costs nothing and ended `ok`; `provider`
 * defaults to `command`.
 */
export const CommandResultSchema = z
  .object({
    type: z.literal('gantry.result'),
    provider: z.string().min(1).default('command'),
    costUsd: z.number().nonnegative().default(0),
    inputTokens: z.number().int().nonnegative().default(0),
    outputTokens: z.number().int().nonnegative().default(0),
    end: z.enum(['ok', 'rate-limited', 'auth', 'error']).default('ok'),
    message: z.string().optional(),
  });

export function parseCommandResult(output: string): SessionReport {
  const line = lastJsonLine(output, (value) => value['type'] === 'gantry.result');
  const parsed = CommandResultSchema.safeParse(line ?? { type: 'gantry.result' });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    return { end: 'error', usage: { provider: 'command', costUsd: 0, inputTokens: 0, outputTokens: 0 }, message: `the agent printed a gantry.result line gantry cannot read (${problems})` };
  }
  const { provider, costUsd, inputTokens, outputTokens, end, message } = parsed.data;
  return { end, usage: { provider, costUsd, inputTokens, outputTokens }, ...(message === undefined ? {} : { message }) };
}
