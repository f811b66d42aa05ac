// A scripted stand-in for the OpenAI Responses API (POST /v1/responses), one
// session per `session-id` header (the Codex CLI sends its thread id there).
// A tool step becomes a `function_call` output item (for the Codex CLI, e.g.
// {"tool":"exec_command","input":{"cmd":"git status"}}); a text step an
// assistant message. Usage counts the prefix the session already sent as
// cached, as the real API's prompt cache would. In a test:
// `const server = await startResponsesServer(script);` and give the client
// `${server.url}/v1` as its base URL. In a container: serve.ts.
// Imports only node:* and its own folder, so the folder can be mounted and run as it is.
import { outputTokensOf, type ModelStep, type ScriptStep, type StatusStep, type StreamEvent } from './script.ts';
import { startScriptedServer, type ModelApi, type ScriptedServer, type ScriptedServerOptions, type Turn } from './scripted-server.ts';

export type ResponsesServer = ScriptedServer;

const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: 'server_is_overloaded' },
};

/** The output item when it is done: the whole tool call or message. */
function outputItem(step: ModelStep, turn: Turn): Record<string, unknown> {
  return 'tool' in step
    ? { type: 'function_call', id: `fc_scripted_${turn.number}`, call_id: `call_scripted_${turn.number}`, name: step.tool, arguments: JSON.stringify(step.input), status: 'completed' }
    : { type: 'message', id: `msg_scripted_${turn.number}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
}

function responseObject(step: ModelStep, turn: Turn, status: 'in_progress' | 'completed'): Record<string, unknown> {
  const outputTokens = outputTokensOf(step);
  return {
    id: `resp_scripted_${turn.number}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: turn.model,
    output: status === 'completed' ? [outputItem(step, turn)] : [],
    usage: status === 'completed'
      ? {
        input_tokens: turn.inputTokens,
        input_tokens_details: { cached_tokens: turn.cachedInputTokens },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: turn.inputTokens + outputTokens,
      }
      : null,
  };
}

/** The item's streamed middle: its content (text or arguments) as one delta, then done. */
function contentEvents(step: ModelStep, item: Record<string, unknown>): StreamEvent[] {
  const at = { item_id: item.id, output_index: 0 };
  if ('tool' in step) {
    const args = item.arguments as string;
    return [
      { type: 'response.function_call_arguments.delta', ...at, delta: args },
      { type: 'response.function_call_arguments.done', ...at, arguments: args },
    ];
  }
  const part = { type: 'output_text', text: step.text, annotations: [] };
  return [
    { type: 'response.content_part.added', ...at, content_index: 0, part: { ...part, text: '' } },
    { type: 'response.output_text.delta', ...at, content_index: 0, delta: step.text },
    { type: 'response.output_text.done', ...at, content_index: 0, text: step.text },
    { type: 'response.content_part.done', ...at, content_index: 0, part },
  ];
}

export const openaiResponses: ModelApi = {
  sessionHeader: 'session-id',
  turnPath: '/v1/responses',
  requestIdHeader: 'x-request-id',
  defaultModel: 'gpt-scripted',

  errorBody(step: StatusStep) {
    const known = ERRORS[step.status] ?? { type: 'server_error', code: null };
    return { error: { message: step.message ?? `scripted ${step.status} (${step.code ?? known.code ?? known.type})`, type: known.type, param: null, code: step.code ?? known.code } };
  },

  streamEvents(step: ModelStep, turn: Turn): StreamEvent[] {
    const item = outputItem(step, turn);
    const started = 'tool' in step ? { ...item, arguments: '', status: 'in_progress' } : { ...item, content: [], status: 'in_progress' };
    const events: StreamEvent[] = [
      { type: 'response.created', response: responseObject(step, turn, 'in_progress') },
      { type: 'response.output_item.added', output_index: 0, item: started },
      ...contentEvents(step, item),
      { type: 'response.output_item.done', output_index: 0, item },
      { type: 'response.completed', response: responseObject(step, turn, 'completed') },
    ];
    return events.map((event, index) => ({ ...event, sequence_number: index }));
  },

  response(step: ModelStep, turn: Turn) {
    return responseObject(step, turn, 'completed');
  },
};

export function startResponsesServer(script: readonly ScriptStep[], options: ScriptedServerOptions = {}): Promise<ResponsesServer> {
  return startScriptedServer(openaiResponses, script, options);
}
