import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { OracleConfig } from '../../harness/config/types.ts';
import { culpritBrief, culpritSubject, queueCulpritTasks, reproducerOf } from '../../harness/oracle/index.ts';
import { taskId, type Task, type TaskSpec } from '../../harness/queue/index.ts';

const UNITS = ['a.c', 'bad.c', "it's.c", 'z.c'];

function oracleConfig(judge: OracleConfig['judge']): OracleConfig {
  return {
    units: { list: UNITS },
    // The "candidate" writes BAD for bad.c, the oracle OK for everything.
    build: 'while read -r u; do [ "$u" = bad.c ] && echo "BAD $u" || echo "ok $u"; done < "$GANTRY_CANDIDATE_UNITS" > built; sed "s/^/ok /" "$GANTRY_ORACLE_UNITS" >> built; sort -o built built',
    judge,
    image: 'gantry/agent-base',
    env: { GREETING: "it's fine" },
    parallel: 2,
    confirm: 1,
    role: 'core',
    timeouts: { buildMs: 10_000, judgeMs: 10_000, checkMs: 10_000 },
  };
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function runScript(script: string): Promise<{ exitCode: number | undefined; stderr: string }> {
  dir ??= await mkdtemp(path.join(os.tmpdir(), 'gantry-brief-'));
  const result = await execa('sh', ['-c', script], { cwd: dir, reject: false });
  return { exitCode: result.exitCode, stderr: result.stderr };
}

describe('culprit task briefs', () => {
  it.each([
    { kind: 'exit-code', judge: { kind: 'exit-code', command: '! grep -q BAD built && [ "$GREETING" = "it\'s fine" ]' } },
    { kind: 'compare', judge: { kind: 'compare', command: 'cat built' }, expected: "ok a.c\nok bad.c\nok it's.c\nok z.c\n[exit 0]\n" },
    { kind: 'custom', judge: { kind: 'custom', command: 'cat built', verdict: 'cmp -s "$GANTRY_OUTPUT" "$GANTRY_EXPECTED"' }, expected: "ok a.c\nok bad.c\nok it's.c\nok z.c\n" },
  ] as const)('when the judge is $kind, the reproducer fails for the culprit alone and passes all-oracle, run by sh', async ({ judge, ...rest }) => {
    const oracle = oracleConfig(judge);
    const brief = culpritBrief({ oracle, units: UNITS, culprit: ['bad.c'], commit: 'c0ffee'.repeat(6), ...('expected' in rest ? { expected: rest.expected } : {}) });

    const reproducer = reproducerOf(brief);

    expect(brief).toContain('candidate for bad.c, oracle for the other 3 units');
    expect(reproducer).toBeDefined();
    const fails = await runScript(reproducer?.fails ?? '');
    const passes = await runScript(reproducer?.passes ?? '');
    expect(fails.exitCode, fails.stderr).toBe(1);
    expect(passes.exitCode, passes.stderr).toBe(0);
  });

  it('when the oracle finds a culprit twice, the second task has the same id and is not created again', async () => {
    const queued = new Map<string, Task>();
    const queue = {
      async add(spec: TaskSpec) {
        const id = taskId(spec);
        const existing = queued.get(id);
        if (existing) return { task: existing, created: false };
        const task = { ...spec, id, createdAt: new Date().toISOString() };
        queued.set(id, task);
        return { task, created: true };
      },
    };
    const input = { oracle: oracleConfig({ kind: 'exit-code', command: 'true' }), units: UNITS, commit: 'c0ffee', queue, culprits: [['bad.c'], ['a.c', 'z.c']] };

    const first = await queueCulpritTasks(input);
    const second = await queueCulpritTasks({ ...input, commit: 'beef' });

    expect(first.map((task) => task.created)).toEqual([true, true]);
    expect(second.map((task) => task.created)).toEqual([false, false]);
    expect(second.map((task) => task.task)).toEqual(first.map((task) => task.task));
    expect([...queued.values()].map((task) => task.subject)).toEqual([culpritSubject(['bad.c']), 'oracle a.c z.c']);
    expect([...queued.values()].map((task) => task.files)).toEqual([['bad.c'], ['a.c', 'z.c']]);
  });
});
