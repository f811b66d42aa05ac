// What a scripted model says, turn by turn, and how one turn looks on the wire
// of the Anthropic Messages API. Imports only node:* (and nothing at all here),
// so the folder can be mounted into a container and run by node as it is.

/** The model calls a tool (Claude Code runs it and sends the result in the next request). */
export interface ToolStep {
  tool: string;
  input: Record<string, unknown>;
}

/** The model answers with text and ends its turn: the session is over. */
export interface TextStep {
  text: string;
}

/** The API answers with an error status instead of a message (401, 429, 529, ...). */
export interface StatusStep {
  status: number;
  message?: string;
}

export type ScriptStep = ToolStep | TextStep | StatusStep;

/** One event of a streamed answer. */
export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

export interface TurnIds {
  message: string;
  toolUse: string;
  model: string;
}

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

export function isStatusStep(step: ScriptStep): step is StatusStep {
  return 'status' in step;
}

/** Checks a script read from JSON; the message names the bad step. */
export function parseScript(value: unknown, source: string): ScriptStep[] {
  if (!Array.isArray(value)) throw new Error(`${source}: expected a JSON array of steps, e.g. [{"tool":"Bash","input":{"command":"true"}},{"text":"done"}]`);
  return value.map((step: unknown, index) => {
    const fields = typeof step === 'object' && step !== null ? (step as Record<string, unknown>) : {};
    const valid = (typeof fields.tool === 'string' && typeof fields.input === 'object' && fields.input !== null)
      || typeof fields.text === 'string'
      || typeof fields.status === 'number';
    if (!valid) throw new Error(`${source} step ${index}: expected {tool, input}, {text} or {status}, got ${JSON.stringify(step)}`);
    return step as ScriptStep;
  });
}

/** The error body the real API sends with a status. */
export function errorBody(step: StatusStep): { type: 'error'; error: { type: string; message: string } } {
  const type = ERROR_TYPES[step.status] ?? 'api_error';
  return { type: 'error', error: { type, message: step.message ?? `scripted ${step.status} (${type})` } };
}

/** Rough token counts (four characters a token): enough for a client to compute a cost above zero. */
export function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function contentBlock(step: ToolStep | TextStep, ids: TurnIds): Record<string, unknown> {
  return 'tool' in step
    ? { type: 'tool_use', id: ids.toolUse, name: step.tool, input: step.input }
    : { type: 'text', text: step.text };
}

function stopReason(step: ToolStep | TextStep): 'tool_use' | 'end_turn' {
  return 'tool' in step ? 'tool_use' : 'end_turn';
}

function outputTokens(step: ToolStep | TextStep): number {
  return tokensOf('tool' in step ? JSON.stringify(step.input) : step.text);
}

/** The events of a streamed answer (`stream: true`), in the order the API sends them. */
export function streamEvents(step: ToolStep | TextStep, ids: TurnIds, inputTokens: number): StreamEvent[] {
  const usage = { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const block = contentBlock(step, ids);
  const delta = 'tool' in step
    ? { type: 'input_json_delta', partial_json: JSON.stringify(step.input) }
    : { type: 'text_delta', text: step.text };
  return [
    {
      type: 'message_start',
      message: { id: ids.message, type: 'message', role: 'assistant', model: ids.model, content: [], stop_reason: null, stop_sequence: null, usage },
    },
    { type: 'content_block_start', index: 0, content_block: 'tool' in step ? { ...block, input: {} } : { ...block, text: '' } },
    { type: 'content_block_delta', index: 0, delta },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason(step), stop_sequence: null }, usage: { output_tokens: outputTokens(step) } },
    { type: 'message_stop' },
  ];
}

/** The whole answer at once, for a request without `stream: true`. */
export function message(step: ToolStep | TextStep, ids: TurnIds, inputTokens: number): Record<string, unknown> {
  return {
    id: ids.message,
    type: 'message',
    role: 'assistant',
    model: ids.model,
    content: [contentBlock(step, ids)],
    stop_reason: stopReason(step),
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens(step), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/** Server-sent events framing: `event:` names the type, `data:` carries the JSON. */
export function sse(events: readonly StreamEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}
