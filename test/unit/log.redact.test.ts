import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../harness/log.ts';

describe('the harness logger', () => {
  it('redacts keys, tokens, passwords, authorization headers and cookies wherever a log line carries them', () => {
    vi.stubEnv('GANTRY_LOG_PRETTY', '');
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.info({
      token: 'top-level-token-value',
      authorization: 'Bearer top-level-header',
      agent: { apiKey: 'sk-agent-key', token: 'nested-token' },
      user: { password: 'hunter2hunter2' },
      request: { headers: { authorization: 'Bearer from-a-request', cookie: 'gantry_token=from-a-cookie' } },
      env: { ANTHROPIC_API_KEY: 'sk-ant-secret', OPENAI_API_KEY: 'sk-openai-secret' },
      task: 'kept-as-is',
    }, 'line');
    const line = lines.join('');
    for (const secret of ['top-level-token-value', 'top-level-header', 'sk-agent-key', 'nested-token', 'hunter2hunter2', 'from-a-request', 'from-a-cookie', 'sk-ant-secret', 'sk-openai-secret']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('"task":"kept-as-is"');
    expect(line.match(/\[redacted\]/g)?.length).toBe(9);
    vi.unstubAllEnvs();
  });
});
