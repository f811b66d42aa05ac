import { describe, expect, it } from 'vitest';
import { startResponsesServer } from '../helpers/model-server/openai-responses.ts';
import { parseSse, useScriptedServer } from '../helpers/model-server-client.ts';

describe('scripted OpenAI Responses server', () => {
  const { start, ask, server } = useScriptedServer({
    start: startResponsesServer,
    path: '/v1/responses',
    headers: (session) => ({ 'session-id': session, authorization: 'Bearer sk-test' }),
    body: { model: 'gpt-test', stream: true, input: [] },
  });

  it('when a streamed request gets a tool step, it sends a function_call item with the input as its JSON arguments, then response.completed with usage', async () => {
    await start([{ tool: 'exec_command', input: { cmd: 'git status' } }]);

    const response = await ask('s1');
    const events = parseSse(await response.text());

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(events.map((event) => event.event)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.data.type)).toEqual(events.map((event) => event.event));
    expect(events.map((event) => event.data.sequence_number)).toEqual([0, 1, 2, 3, 4, 5]);
    const call = { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"git status"}', status: 'completed' };
    expect(events[4]?.data.item).toMatchObject({ ...call, call_id: expect.stringMatching(/^call_/) });
    expect(events[5]?.data.response).toMatchObject({
      status: 'completed',
      model: 'gpt-test',
      output: [call],
      usage: { input_tokens: expect.any(Number), input_tokens_details: { cached_tokens: 0 }, output_tokens: expect.any(Number), output_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('when a streamed request gets a text step, it sends an assistant message with its text as output_text', async () => {
    await start([{ text: 'All done.' }]);

    const events = parseSse(await (await ask('s1')).text());

    expect(events.map((event) => event.event)).toContain('response.output_text.delta');
    expect(events.find((event) => event.event === 'response.output_item.done')?.data.item).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'All done.' }],
    });
  });

  it('when two sessions ask, each walks the script from its first step, a session\'s later requests count its earlier prompt as cached, and every request is recorded', async () => {
    await start([{ text: 'first' }, { text: 'second' }]);

    const completed = [];
    for (const [session, input] of [['a', ['x']], ['a', ['x', 'y']], ['b', ['x']], ['a', ['x', 'y', 'z']]] as const) {
      const events = parseSse(await (await ask(session, { model: 'gpt-test', stream: true, input })).text());
      completed.push(events.at(-1)?.data.response as { output: { content: { text: string }[] }[]; usage: { input_tokens: number; input_tokens_details: { cached_tokens: number } } });
    }

    expect(completed.map((response) => response.output[0]?.content[0]?.text)).toEqual(['first', 'second', 'first', 'End of script.']);
    const [a1, a2, b1, a3] = completed.map((response) => response.usage);
    expect([a1?.input_tokens_details.cached_tokens, b1?.input_tokens_details.cached_tokens]).toEqual([0, 0]);
    expect(a2?.input_tokens_details.cached_tokens).toBe(a1?.input_tokens);
    expect(a3?.input_tokens_details.cached_tokens).toBe(a2?.input_tokens);
    expect(a3?.input_tokens).toBeGreaterThan(a3?.input_tokens_details.cached_tokens ?? Infinity);
    expect(server().requests.map((request) => [request.session, request.step])).toEqual([['a', 0], ['a', 1], ['b', 0], ['a', null]]);
    expect(server().requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it.each([
    [401, undefined, 'invalid_request_error', 'invalid_api_key'],
    [429, undefined, 'requests', 'rate_limit_exceeded'],
    [429, 'insufficient_quota', 'requests', 'insufficient_quota'],
    [503, undefined, 'server_error', 'server_is_overloaded'],
  ] as const)('when a step is status %i (code %s), it answers with OpenAI\'s error body, and a script ending in one keeps answering with it', async (status, code, type, sentCode) => {
    await start([{ status, ...(code === undefined ? {} : { code }) }]);

    const first = await ask('s');
    const retry = await ask('s');

    expect(first.status).toBe(status);
    expect(first.headers.get('retry-after')).toBe('0');
    expect(await first.json()).toMatchObject({ error: { type, code: sentCode, message: expect.stringContaining(`scripted ${status}`) } });
    expect(retry.status).toBe(status);
  });

  it('when a request is not streamed, it answers with the whole response object', async () => {
    await start([{ text: 'hi' }]);

    const body = await (await ask('s', { model: 'm', input: [] })).json();

    expect(body).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message', content: [{ text: 'hi' }] }] });
  });

  it('when a path is not the Responses API, it answers 404 with an error body naming it', async () => {
    await start([]);

    const response = await fetch(`${server().url}/v1/models`, { method: 'POST' });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: 'the scripted model server has no POST /v1/models' } });
  });
});
