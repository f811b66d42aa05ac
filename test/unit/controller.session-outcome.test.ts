import { describe, expect, it } from 'vitest';
import type { SessionReport } from '../../harness/agents/index.ts';
import type { GantryConfig } from '../../harness/config/types.ts';
import { classify, containments, failure } from '../../harness/controller/session-outcome.ts';
import type { ContainerExit } from '../../harness/runtime/container-runtime.ts';

const config = { container: { memoryBytes: 96 * 2 ** 20, pids: 64 } } as GantryConfig;
const report = { end: 'ok', usage: {} } as unknown as SessionReport;
const noWatch = { verdict: undefined, pidsLimitReached: false };
const exit = (fields: Partial<ContainerExit>): ContainerExit => ({ exitCode: 0, oomKilled: false, timedOut: false, aborted: false, durationMs: 10, ...fields });

describe('a session killed by SIGKILL', () => {
  it('when Docker reports the OOM kill, it ended out of memory, contained at the memory limit', () => {
    const killed = exit({ exitCode: 137, oomKilled: true });
    expect(classify(killed, report, false)).toBe('oom');
    expect(failure('oom', killed, 1, config, 1_000).message).toBe('the agent was killed for running out of memory (limit 100663296 bytes) in session 1');
    expect(containments(killed, noWatch, config, 1_000)).toEqual([{ kind: 'memory', detail: 'killed at its memory limit of 96 MiB (container.memory)' }]);
  });

  it('when Docker did not report it (its OOM event can be dropped), it still ended out of memory, most likely, and says that Docker did not confirm it', () => {
    const killed = exit({ exitCode: 137 });
    expect(classify(killed, report, false)).toBe('oom');
    expect(failure('oom', killed, 2, config, 1_000).message).toMatch(/out of memory \(limit 100663296 bytes\) in session 2 most likely: it got a SIGKILL, which Docker did not report/);
    expect(containments(killed, noWatch, config, 1_000)).toEqual([{ kind: 'memory', detail: expect.stringMatching(/most likely at its memory limit of 96 MiB.*Docker did not report/) }]);
  });

  it('when gantry sent the SIGKILL itself (time limit, watch, shutdown), it ended for that reason, not for memory', () => {
    expect(classify(exit({ exitCode: 137, timedOut: true }), report, false)).toBe('timeout');
    expect(classify(exit({ exitCode: 137, stopped: 'hung' }), report, false)).toBe('hung');
    expect(classify(exit({ exitCode: 137, aborted: true }), report, false)).toBe('aborted');
    expect(containments(exit({ exitCode: 137, timedOut: true }), noWatch, config, 1_000).map((c) => c.kind)).toEqual(['time']);
  });

  it('an agent that exits with another code failed with that code', () => {
    expect(classify(exit({ exitCode: 3 }), report, false)).toBe('failed');
    expect(failure('failed', exit({ exitCode: 3 }), 1, config, 1_000).message).toBe('the agent exited with code 3 in session 1');
  });
});
