import { z } from 'zod';
import { AgentError } from '../errors.ts';
import { lastJsonLine } from './result-line.ts';

/**
 * How a Claude Code session ended, read from its `--output-format json` result:
 * `ok`, `rate-limited` (429, or 529 overloaded: wait and run another session),
 * `auth` (401: the key is wrong, another session cannot help) or `error`.
 */
export type ClaudeEnd = 'ok' | 'rate-limited' | 'auth' | 'error';

export interface ClaudeResult {
  sessionId: string;
  costUsd: number;
  /** Every prompt token, cached or not; `costUsd` already prices them apart. */
  inputTokens: number;
  outputTokens: number;
  turns: number;
  isError: boolean;
  /** The HTTP status of the model API's error when the session ended on one. */
  apiErrorStatus?: number;
  /** The CLI's last words (`result`): the error, when the session ended on one. */
  errorText?: string;
  end: ClaudeEnd;
}

const ResultSchema = z.object({
  type: z.literal('result'),
  session_id: z.string(),
  total_cost_usd: z.number(),
  num_turns: z.number(),
  is_error: z.boolean(),
  api_error_status: z.number().nullish(),
  result: z.string().optional(),
  usage: z.object({
    input_tokens: z.number().default(0),
    output_tokens: z.number().default(0),
    cache_creation_input_tokens: z.number().default(0),
    cache_read_input_tokens: z.number().default(0),
  }).optional(),
});

const RATE_LIMITED = new Set([429, 529]);

function endOf(isError: boolean, status: number | undefined): ClaudeEnd {
  if (!isError) return 'ok';
  if (status === 401) return 'auth';
  if (status !== undefined && RATE_LIMITED.has(status)) return 'rate-limited';
  return 'error';
}

/**
 * Reads what `claude -p --output-format json` printed. On a model API error the
 * result still says `subtype: "success"`: `is_error` and `api_error_status` tell.
 * Throws AGENT_FAILED when the output holds no result (the CLI crashed or was killed).
 */
export function parseClaudeResult(stdout: string): ClaudeResult {
  const parsed = ResultSchema.safeParse(lastJsonLine(stdout, (value) => value['type'] === 'result'));
  if (!parsed.success) {
    const tail = stdout.trim().slice(-300);
    throw new AgentError('AGENT_FAILED', `Claude Code printed no result object (--output-format json); the session crashed or was stopped. Its output ends with: ${tail === '' ? '(nothing)' : tail}`, { retryable: true });
  }
  const result = parsed.data;
  const usage = result.usage ?? { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const status = result.api_error_status ?? undefined;
  return {
    sessionId: result.session_id,
    costUsd: result.total_cost_usd,
    inputTokens: usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    outputTokens: usage.output_tokens,
    turns: result.num_turns,
    isError: result.is_error,
    ...(status === undefined ? {} : { apiErrorStatus: status }),
    ...(result.is_error && result.result ? { errorText: result.result.slice(0, 500) } : {}),
    end: endOf(result.is_error, status),
  };
}
