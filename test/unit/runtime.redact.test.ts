import { describe, expect, it } from 'vitest';
import { RedactingStream, redactSecrets, secretValues } from '../../harness/runtime/redacting-stream.ts';

/** Everything the stream writes when `chunks` go in one after another. */
async function through(secrets: string[], chunks: string[]): Promise<{ text: string; stream: RedactingStream }> {
  const stream = new RedactingStream(secrets);
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const chunk of chunks) stream.write(Buffer.from(chunk));
  stream.end();
  await ended;
  return { text: Buffer.concat(out).toString(), stream };
}

describe('RedactingStream', () => {
  const secret = 'sk-live-ABCDEFGHIJ';

  it('when a secret arrives split across chunks at every possible place, it never reaches the output', async () => {
    const line = `key=${secret} end\n`;
    for (let cut = 1; cut < line.length; cut += 1) {
      const { text, stream } = await through([secret], [line.slice(0, cut), line.slice(cut)]);
      expect(text, `cut at ${cut}`).toBe('key=*** end\n');
      expect(stream.redactions).toBe(1);
      expect(stream.bytesIn).toBe(line.length);
    }
  });

  it('when a chunk ends, it is written at once, but for an end that could begin a secret, which waits for the next chunk', async () => {
    const stream = new RedactingStream([secret]);
    const out: string[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    const written = () => new Promise((resolve) => setImmediate(resolve));
    stream.write(Buffer.from('reading the brief\n'));
    await written();
    expect(out.join('')).toBe('reading the brief\n');
    stream.write(Buffer.from('key=sk-li'));
    await written();
    expect(out.join('')).toBe('reading the brief\nkey=');
    stream.write(Buffer.from('ve-ABCDEFGHIJ done'));
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(out.join('')).toBe('reading the brief\nkey=*** done');
  });

  it('when one secret contains another, the longer one is replaced whole', async () => {
    const { text } = await through(['ABCDEFGH', `${secret}`], [`${secret} and ABCDEFGH`]);
    expect(text).toBe('*** and ***');
  });

  it('when there are no secrets, output passes as it is', async () => {
    const { text } = await through([], ['plain ', 'text']);
    expect(text).toBe('plain text');
  });
});

describe('secretValues and redactSecrets', () => {
  it('when the environment has keys, tokens and passwords, their values are secrets; short values and ordinary names are not', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-123456789', GITHUB_TOKEN: 'ghp_abcdefghij', DB_PASSWORD: 'hunter22hunter', HOME: '/home/agent', AUTH: 'short', MODEL: 'claude-long-model-name' };
    expect(secretValues(env).sort()).toEqual(['ghp_abcdefghij', 'hunter22hunter', 'sk-ant-123456789']);
  });

  it('when a text holds secrets, it says how many it replaced', () => {
    expect(redactSecrets('a sk-ant-123456789 b sk-ant-123456789', ['sk-ant-123456789'])).toEqual({ text: 'a *** b ***', count: 2 });
  });
});
