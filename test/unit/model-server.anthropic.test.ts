import { describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../helpers/model-server/anthropic.ts';
import { parseScript } from '../helpers/model-server/script.ts';
import { parseSse, useScriptedServer } from '../helpers/model-server-client.ts';

describe('scripted Anthropic server', () => {
  const { start, ask, server } = useScriptedServer({
    start: startAnthropicServer,
    path: '/v1/messages?beta=true',
    headers: (session) => ({ 'x-claude-code-session-id': session }),
    body: { model: 'claude-test', stream: true, messages: [] },
  });

  it('when a streamed request gets a tool step, it sends the Messages API events in order with the tool input as a JSON delta', async () => {
    await start([{ tool: 'Bash', input: { command: 'git status' } }]);

    const response = await ask('s1');
    const events = parseSse(await response.text());

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events.map((event) => event.data.type)).toEqual(events.map((event) => event.event));
    expect(events[0]?.data.message).toMatchObject({ role: 'assistant', model: 'claude-test', usage: { input_tokens: expect.any(Number) } });
    expect(events[1]?.data.content_block).toMatchObject({ type: 'tool_use', name: 'Bash', input: {} });
    expect(events[2]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '{"command":"git status"}' });
    expect(events[4]?.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: expect.any(Number) } });
  });

  it('when two sessions ask, each walks the script from its first step, and every request is recorded', async () => {
    await start([{ text: 'first' }, { text: 'second' }]);

    const texts = [];
    for (const session of ['a', 'a', 'b', 'a']) {
      const events = parseSse(await (await ask(session)).text());
      texts.push((events[2]?.data.delta as { text: string }).text);
    }

    expect(texts).toEqual(['first', 'second', 'first', 'End of script.']);
    expect(server().requests.map((request) => [request.session, request.step])).toEqual([['a', 0], ['a', 1], ['b', 0], ['a', null]]);
    expect(server().requests[0]?.body).toMatchObject({ model: 'claude-test', stream: true });
  });

  it('when a step is a status, it answers with the API\'s error body, and a script ending in one keeps answering with it', async () => {
    await start([{ status: 429 }]);

    const first = await ask('s');
    const retry = await ask('s');

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('0');
    expect(await first.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(retry.status).toBe(429);
  });

  it('when a request is not streamed, it answers with the whole message', async () => {
    await start([{ text: 'hi' }]);

    const body = await (await ask('s', { model: 'm', messages: [] })).json();

    expect(body).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn' });
  });
});

describe('parseScript', () => {
  it('when a step has no tool, text or status, it names the step', () => {
    expect(() => parseScript([{ text: 'ok' }, { tool: 'Bash' }], 'script.json')).toThrow('script.json step 1: expected {tool, input}, {text} or {status}');
  });
});
