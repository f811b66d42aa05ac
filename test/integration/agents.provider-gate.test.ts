import { describe, expect, it } from 'vitest';
import { ProviderGate, type ProviderGateOptions, type SessionReport } from '../../harness/agents/index.ts';
import { isGantryError } from '../../harness/errors.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

function report(end: SessionReport['end'], provider = 'anthropic', message?: string): SessionReport {
  return { end, usage: { provider, costUsd: 0, inputTokens: 0, outputTokens: 0 }, ...(message === undefined ? {} : { message }) };
}

const live = (): AbortSignal => new AbortController().signal;

/**
 * What waitTurn took when it waited for nothing: a few Redis round trips. Every
 * backoff in these tests is at least 300 ms, so a turn under this did not wait
 * one, on a loaded machine too.
 */
const NO_WAIT_MS = 250;

describe('ProviderGate', () => {
  const ctx = useRedisPrefix();
  const gate = (options: ProviderGateOptions = {}) => new ProviderGate(ctx.redis, ctx.prefix, { jitterMs: 0, ...options });

  it('when one gate records a rate-limited session, a second gate on the same Redis waits until the same time', async () => {
    const first = gate({ baseMs: 400 });
    const second = gate({ baseMs: 400 });
    const verdict = await first.settle('anthropic', report('rate-limited'), Date.now());
    expect(verdict.backoffUntil).toBeGreaterThan(Date.now() + 300);
    expect(await second.backoffUntil('anthropic')).toBe(verdict.backoffUntil);

    const started = Date.now();
    await second.waitTurn('anthropic', live());
    expect(Date.now()).toBeGreaterThanOrEqual(verdict.backoffUntil ?? Infinity);
    expect(Date.now() - started).toBeLessThan(1_500);
    // Another provider is not held up.
    expect(await second.waitTurn('openai', live())).toBeLessThan(NO_WAIT_MS);
  });

  it('when sessions that started after the last backoff keep being rate-limited, the backoff doubles up to its cap, and a clean session resets it', async () => {
    const limiter = gate({ baseMs: 1_000, maxMs: 4_000 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const now = Date.now();
      const verdict = await limiter.settle('anthropic', report('rate-limited'), now + 1);
      delays.push(Math.round(((verdict.backoffUntil ?? 0) - now) / 1_000));
    }
    expect(delays).toEqual([1, 2, 4, 4]);

    await limiter.settle('anthropic', report('ok'), Date.now());
    // The last backoff has passed.
    await ctx.redis.hset(`${ctx.prefix}:provider:anthropic:backoff`, 'until', 0);
    const now = Date.now();
    const after = await limiter.settle('anthropic', report('rate-limited'), now);
    expect(Math.round(((after.backoffUntil ?? 0) - now) / 1_000)).toBe(1);
  });

  it('when sessions that were running before a backoff began hit the limit during it, the backoff does not grow', async () => {
    const limiter = gate({ baseMs: 2_000 });
    const startedTogether = Date.now() - 100;
    const first = await limiter.settle('anthropic', report('rate-limited'), startedTogether);
    const rest = await Promise.all([1, 2, 3].map(() => limiter.settle('anthropic', report('rate-limited'), startedTogether)));
    expect(first.backoffUntil).toBeDefined();
    expect(rest.map((v) => v.backoffUntil)).toEqual([undefined, undefined, undefined]);
    expect(await limiter.backoffUntil('anthropic')).toBe(first.backoffUntil);
  });

  it('when a backoff is waited out, each session adds a jitter below jitterMs', async () => {
    const waits: number[] = [];
    for (const random of [0, 0.999]) {
      const limiter = new ProviderGate(ctx.redis, ctx.prefix, { baseMs: 300, jitterMs: 400, random: () => random });
      await ctx.redis.del(`${ctx.prefix}:provider:anthropic:backoff`);
      const { backoffUntil = 0 } = await limiter.settle('anthropic', report('rate-limited'), Date.now());
      await limiter.waitTurn('anthropic', live());
      waits.push(Date.now() - backoffUntil);
    }
    expect(waits[0]).toBeGreaterThanOrEqual(0);
    expect(waits[0]).toBeLessThan(150);
    expect(waits[1]).toBeGreaterThanOrEqual(390);
    expect(waits[1]).toBeLessThan(400 + 150);
  });

  it('when the signal is aborted during a wait, it rejects at once', async () => {
    const limiter = gate({ baseMs: 30_000 });
    await limiter.settle('anthropic', report('rate-limited'), Date.now());
    const abort = new AbortController();
    const started = Date.now();
    const waiting = limiter.waitTurn('anthropic', abort.signal);
    setTimeout(() => abort.abort(new Error('shutdown')), 100);
    await expect(waiting).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('when a command agent reports its own provider, sessions of the command agent wait for that provider', async () => {
    const limiter = gate({ baseMs: 500 });
    const { backoffUntil } = await limiter.settle('command', report('rate-limited', 'openai'), Date.now());
    await gate().waitTurn('command', live());
    expect(Date.now()).toBeGreaterThanOrEqual(backoffUntil ?? Infinity);
  });

  it('when a session reports a refused key, the provider is blocked once, sessions of it refuse to start with the key to fix, and clearing lifts it', async () => {
    const limiter = gate();
    const first = await limiter.settle('anthropic', report('auth', 'anthropic', 'invalid x-api-key'), Date.now());
    const second = await limiter.settle('anthropic', report('auth', 'anthropic', 'invalid x-api-key'), Date.now());
    expect(first.blocked).toEqual({ provider: 'anthropic', message: 'invalid x-api-key' });
    expect(second.blocked).toBeUndefined();

    const refused = await gate().waitTurn('anthropic', live()).catch((error: unknown) => error);
    expect(isGantryError(refused) && refused.code).toBe('PROVIDER_BLOCKED');
    expect(isGantryError(refused) && refused.retryable).toBe(true);
    expect((refused as Error).message).toMatch(/provider anthropic refused the key \(invalid x-api-key\): fix ANTHROPIC_API_KEY in agent\.env and start gantry again/);
    expect(await gate().waitTurn('openai', live())).toBeLessThan(NO_WAIT_MS);
    expect(await limiter.blocks()).toEqual([{ provider: 'anthropic', message: 'invalid x-api-key' }]);

    expect(await gate().clearBlocks()).toEqual(['anthropic']);
    expect(await limiter.blocks()).toEqual([]);
    expect(await limiter.waitTurn('anthropic', live())).toBeLessThan(NO_WAIT_MS);
  });
});
