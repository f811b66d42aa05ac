// What a scripted model says, turn by turn, whatever API it speaks. Imports
// only node:* (and nothing at all here), so the folder can be mounted into a
// container and run by node as it is.

/** The model calls a tool (the agent CLI runs it and sends the result in the next request). */
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
  /** The error code the body carries, for APIs that have one (OpenAI: `insufficient_quota`, `rate_limit_exceeded`). */
  code?: string;
}

export type ScriptStep = ToolStep | TextStep | StatusStep;

/** A step the model answers with (not an error status). */
export type ModelStep = ToolStep | TextStep;

/** One event of a streamed answer. */
export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

/** Past the script's end the model says this and ends its turn, so a client never loops on a missing step. */
const END_OF_SCRIPT: TextStep = { text: 'End of script.' };

export function isStatusStep(step: ScriptStep): step is StatusStep {
  return 'status' in step;
}

/**
 * The step that answers request `index` of a session. A script ending in an
 * error status keeps answering with it (an outage lasts), so a client's
 * retries meet the same error; any other script ends with END_OF_SCRIPT.
 */
export function stepAt(script: readonly ScriptStep[], index: number): ScriptStep {
  const last = script.at(-1);
  return script[index] ?? (last !== undefined && isStatusStep(last) ? last : END_OF_SCRIPT);
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

/** Rough token counts (four characters a token): enough for a client to compute a cost above zero. */
export function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** What the model "wrote" in a step, counted as its output tokens. */
export function outputTokensOf(step: ModelStep): number {
  return tokensOf('tool' in step ? JSON.stringify(step.input) : step.text);
}

/** Server-sent events framing: `event:` names the type, `data:` carries the JSON. */
export function sse(events: readonly StreamEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}
