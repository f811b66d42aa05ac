// A scripted stand-in for the Anthropic Messages API (POST /v1/messages), one
// session per `x-claude-code-session-id` header. In a test:
// `const server = await startAnthropicServer(script);` and give the client
// `server.url` as ANTHROPIC_BASE_URL. In a container: serve.ts.
// Imports only node:* and its own folder, so the folder can be mounted and run as it is.
import { outputTokensOf, tokensOf, type ModelStep, type ScriptStep, type StatusStep, type StreamEvent } from './script.ts';
import { startScriptedServer, type ModelApi, type ScriptedServer, type ScriptedServerOptions, type Turn } from './scripted-server.ts';

export type { RecordedRequest } from './scripted-server.ts';
export type AnthropicServer = ScriptedServer;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function contentBlock(step: ModelStep, turn: Turn): Record<string, unknown> {
  return 'tool' in step
    ? { type: 'tool_use', id: `toolu_scripted_${turn.number}`, name: step.tool, input: step.input }
    : { type: 'text', text: step.text };
}

function stopReason(step: ModelStep): 'tool_use' | 'end_turn' {
  return 'tool' in step ? 'tool_use' : 'end_turn';
}

export const anthropicMessages: ModelApi = {
  sessionHeader: 'x-claude-code-session-id',
  turnPath: '/v1/messages',
  requestIdHeader: 'request-id',
  defaultModel: 'claude-scripted',

  errorBody(step: StatusStep) {
    const type = ERROR_TYPES[step.status] ?? 'api_error';
    return { type: 'error', error: { type, message: step.message ?? `scripted ${step.status} (${type})` } };
  },

  streamEvents(step: ModelStep, turn: Turn): StreamEvent[] {
    const usage = { input_tokens: turn.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const block = contentBlock(step, turn);
    const delta = 'tool' in step
      ? { type: 'input_json_delta', partial_json: JSON.stringify(step.input) }
      : { type: 'text_delta', text: step.text };
    return [
      {
        type: 'message_start',
        message: { id: `msg_scripted_${turn.number}`, type: 'message', role: 'assistant', model: turn.model, content: [], stop_reason: null, stop_sequence: null, usage },
      },
      { type: 'content_block_start', index: 0, content_block: 'tool' in step ? { ...block, input: {} } : { ...block, text: '' } },
      { type: 'content_block_delta', index: 0, delta },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: stopReason(step), stop_sequence: null }, usage: { output_tokens: outputTokensOf(step) } },
      { type: 'message_stop' },
    ];
  },

  response(step: ModelStep, turn: Turn) {
    return {
      id: `msg_scripted_${turn.number}`,
      type: 'message',
      role: 'assistant',
      model: turn.model,
      content: [contentBlock(step, turn)],
      stop_reason: stopReason(step),
      stop_sequence: null,
      usage: { input_tokens: turn.inputTokens, output_tokens: outputTokensOf(step), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  },

  otherRoute(pathname: string, body: unknown) {
    return pathname === '/v1/messages/count_tokens' ? { input_tokens: tokensOf(JSON.stringify(body ?? '')) } : undefined;
  },
};

export function startAnthropicServer(script: readonly ScriptStep[], options: ScriptedServerOptions = {}): Promise<AnthropicServer> {
  return startScriptedServer(anthropicMessages, script, options);
}
