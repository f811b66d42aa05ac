import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startResponsesServer } from '../helpers/model-server/openai-responses.ts';
import { useScriptedServer } from '../helpers/model-server-client.ts';

function declare(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/_outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

// The outage lives in the server every API shares; the Responses API stands for both.
describe('scripted model server outage', () => {
  const { start, ask, server } = useScriptedServer({
    start: startResponsesServer,
    path: '/v1/responses',
    headers: (session) => ({ 'session-id': session }),
    body: { model: 'gpt-test', stream: false, input: [] },
  });

  it('when an outage is declared, every turn gets its status from the first turn after it for its seconds, then each session goes on with the step it had reached', async () => {
    await start([{ text: 'first' }, { text: 'second' }]);
    expect((await ask('a')).status).toBe(200);
    expect((await declare(server().url, { status: 429, seconds: 0.5 })).status).toBe(200);
    // Its clock starts with the next turn, not with the declaration.
    await sleep(600);

    const during = [await ask('a'), await ask('b')];
    await sleep(600);
    const after = [await ask('a'), await ask('b')];

    expect(during.map((response) => response.status)).toEqual([429, 429]);
    expect(await during[0]?.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(after.map((response) => response.status)).toEqual([200, 200]);
    const texts = await Promise.all(after.map(async (response) => ((await response.json()) as { output: Array<{ content: Array<{ text: string }> }> }).output[0]?.content[0]?.text));
    expect(texts).toEqual(['second', 'first']);
    expect(server().requests.map((request) => [request.session, request.status, request.step])).toEqual([
      ['a', 200, 0], ['a', 429, null], ['b', 429, null], ['a', 200, 1], ['b', 200, 0],
    ]);
  });

  it('when the declaration is not an error status with a positive duration, it answers 400 and declares nothing', async () => {
    await start([{ text: 'first' }]);

    const refused = await declare(server().url, { status: 200, seconds: 10 });

    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain('expected {"status"');
    expect((await ask('a')).status).toBe(200);
  });
});
