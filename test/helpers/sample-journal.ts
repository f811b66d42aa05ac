import type { JournalEvent, JournalEventBody } from '../../harness/reports/index.ts';

/** A reason an agent could have made the gate print: if the report let it through as markup, it would mark the page. */
export const HOSTILE_REASON = `tests failed: <script>document.body.setAttribute('data-pwned', 'yes')</script><img src=x onerror="document.body.setAttribute('data-pwned', 'img')">`;

const ROLES = [
  { role: 'core', agent: 'claude-code', provider: 'anthropic' },
  { role: 'docs', agent: 'codex', provider: 'openai' },
  { role: 'perf', agent: 'claude-code', provider: 'anthropic' },
  { role: 'critic', agent: 'command', provider: 'command' },
] as const;

const MINUTE = 60_000;

/**
 * Three hours of a run with four roles and 24 tasks, made the way the
 * controller journals them: most merge, some are rejected and retried, some
 * fail for good, one hits its role's budget, one waits on a refused key, and
 * one failure reason carries markup. Deterministic, so tests can pin numbers.
 */
export function sampleJournal(run = 'r-sample'): JournalEvent[] {
  const start = Date.parse('2026-03-02T09:00:00Z');
  const events: JournalEvent[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const add = (at: number, body: JournalEventBody) => events.push({ ts: new Date(at).toISOString(), run, ...body } as JournalEvent);

  add(start, { type: 'run.started', controller: 'host-1', concurrency: 4 });
  for (let i = 0; i < 24; i += 1) {
    const { role, agent, provider } = ROLES[i % ROLES.length] ?? ROLES[0];
    const task = `task-${String(i).padStart(2, '0')}`;
    let at = start + i * 6 * MINUTE + 30_000;
    // Tasks re-queued by the gate before the window have no task.queued of their own.
    if (i % 7 !== 6) add(at, { type: 'task.queued', task, role, text: i === 1 ? 'Document <b>flags</b> & "quotes"' : `Fix the failing test ${i}` });
    const rejectedOnce = i % 5 === 3;
    const failsForGood = i === 4 || i === 10;
    const attempts = rejectedOnce ? 2 : 1;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      at += MINUTE;
      add(at, { type: 'attempt.started', task, role, attempt, fence: attempt, agent });
      const sessions = 1 + Math.floor(random() * 3);
      for (let session = 1; session <= sessions; session += 1) {
        add(at, { type: 'session.started', task, attempt, session });
        const durationMs = Math.round((4 + random() * 6) * MINUTE);
        at += durationMs;
        const inputTokens = Math.round(20_000 + random() * 80_000);
        const outputTokens = Math.round(2_000 + random() * 8_000);
        const costUsd = provider === 'command' ? 0 : (inputTokens * 3 + outputTokens * 15) / 1e6;
        add(at, { type: 'session.ended', task, attempt, session, exitCode: 0, end: session === sessions ? 'done' : 'continue', durationMs, provider, costUsd, inputTokens, outputTokens });
      }
      if (i === 5 && attempt === 1) {
        add(at + 500, { type: 'contained', task, attempt, session: sessions, kind: 'secret', detail: 'printed a secret from its environment 1 time(s); the log has *** in its place' });
      }
      if (i === 9) {
        add(at + 1000, { type: 'budget.reached', scope: 'role', role, limitUsd: 1.5, spentUsd: 1.52, task });
        break;
      }
      if (i === 14) {
        add(at + 1000, { type: 'provider.auth', provider, message: 'invalid x-api-key', task });
        break;
      }
      at += 2 * MINUTE;
      add(at, { type: 'gate.submitted', task, attempt, head: `h${i}${attempt}` });
      const gateMs = Math.round((1 + random() * 2) * MINUTE);
      at += gateMs;
      const passed = !(failsForGood || (rejectedOnce && attempt === 1));
      add(at, { type: 'gate.result', task, attempt, commit: `t${i}${attempt}`, passed, exitCode: passed ? 0 : 1, durationMs: gateMs, batch: 1 });
      if (passed) {
        add(at + 5000, { type: 'task.merged', task, attempt, commit: `${(i * 7919 + 104_729).toString(16).padStart(8, '0')}c0ffee${i}` });
      } else {
        const reason = i === 4 ? HOSTILE_REASON : `tests failed: 2 tests\nFAIL src/parse.test.ts > parses ${i}\nFAIL src/run.test.ts > runs`;
        add(at + 5000, { type: 'attempt.failed', task, attempt, reason, final: failsForGood });
      }
    }
  }
  add(start + 3 * 60 * MINUTE, { type: 'run.stopped', controller: 'host-1', reason: 'idle' });
  return events.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
}
