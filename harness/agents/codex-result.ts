import { z } from 'zod';
import { AgentError } from '../errors.ts';
import type { AgentEnd } from './agent-adapter.ts';
import type { TokenCounts } from './price.ts';

/**
 * What a `codex exec --json` session printed, summed up. The CLI prints no
 * cost: price `tokens` with priceTokens.
 */
export interface CodexResult {
  /** The CLI's thread id (its session id). */
  threadId: string;
  /** Summed over the session's completed turns. Calls made before a failed turn are not in the output, so they are not counted. */
  tokens: TokenCounts & { reasoningOutputTokens: number };
  end: AgentEnd;
  /** The failed turn's message, when the session ended on one. */
  errorText?: string;
}

const ThreadStarted = z.object({ type: z.literal('thread.started'), thread_id: z.string() });
const TurnCompleted = z.object({
  type: z.literal('turn.completed'),
  usage: z.object({
    input_tokens: z.number().default(0),
    cached_input_tokens: z.number().default(0),
    output_tokens: z.number().default(0),
    reasoning_output_tokens: z.number().default(0),
  }),
});
const TurnFailed = z.object({ type: z.literal('turn.failed'), error: z.object({ message: z.string() }) });
const SessionEvent = z.discriminatedUnion('type', [ThreadStarted, TurnCompleted, TurnFailed]);

/**
 * The CLI reports a failed model call as a sentence, not a status field:
 * "unexpected status 401 Unauthorized: ...", "exceeded retry limit, last
 * status: 429 Too Many Requests", or a fixed sentence for errors it knows by
 * their code (500, server_is_overloaded, insufficient_quota, usage limits).
 */
const STATUS = /\bstatus:? (\d{3})\b/;
const RATE_LIMITED_STATUS = new Set([429, 503, 529]);
const OVERLOADED = /high demand|at capacity|rate limit|usage limit/i;
/** insufficient_quota: the account cannot pay, so no later session can help either. */
const NO_QUOTA = /quota exceeded/i;

function endOfFailure(message: string): AgentEnd {
  const status = Number(STATUS.exec(message)?.[1]);
  if (status === 401 || NO_QUOTA.test(message)) return 'auth';
  if (RATE_LIMITED_STATUS.has(status) || OVERLOADED.test(message)) return 'rate-limited';
  return 'error';
}

function* sessionEvents(output: string): Generator<z.infer<typeof SessionEvent>> {
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // A line of stderr that happens to start with a brace.
    }
    const event = SessionEvent.safeParse(value);
    if (event.success) yield event.data;
  }
}

/**
 * Reads what `codex exec --json` printed (JSONL: thread.started, turn.*,
 * item.*, error). A session ends `ok` on turn.completed; on turn.failed its
 * message tells `auth`, `rate-limited` or `error`. Throws AGENT_FAILED when
 * the output never started a thread or never finished a turn (the CLI
 * refused its arguments, crashed or was killed).
 */
export function parseCodexResult(output: string): CodexResult {
  let threadId: string | undefined;
  let failure: string | undefined;
  let finished = false;
  const tokens = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 };
  for (const event of sessionEvents(output)) {
    if (event.type === 'thread.started') {
      threadId = event.thread_id;
    } else if (event.type === 'turn.completed') {
      finished = true;
      tokens.inputTokens += event.usage.input_tokens;
      tokens.cachedInputTokens += event.usage.cached_input_tokens;
      tokens.outputTokens += event.usage.output_tokens;
      tokens.reasoningOutputTokens += event.usage.reasoning_output_tokens;
    } else {
      finished = true;
      failure = event.error.message;
    }
  }
  if (threadId === undefined || !finished) {
    const tail = output.trim().slice(-300);
    const what = threadId === undefined ? 'never started a thread' : `started thread ${threadId} but finished no turn`;
    throw new AgentError('AGENT_FAILED', `Codex (exec --json) ${what}; the CLI refused its arguments, crashed or was stopped. Its output ends with: ${tail === '' ? '(nothing)' : tail}`, { retryable: true });
  }
  return {
    threadId,
    tokens,
    end: failure === undefined ? 'ok' : endOfFailure(failure),
    ...(failure === undefined ? {} : { errorText: failure.slice(0, 500) }),
  };
}
