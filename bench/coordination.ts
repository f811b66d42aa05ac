/**
 * Coordination: 40 tasks from a scripted mix at 8 agents, run for real
 * (Docker, Redis, git): independent notes, tasks that change the same file
 * two by two, and subjects queued twice by two sources. The report's
 * coordination metrics, from the run's journal: conflict rate, duplicate-work
 * rate, merge success rate. The same mix runs twice, with `roles.overlap:
 * wait` (the default) and `run`, to show what holding back overlapping tasks
 * buys. Writes bench/results/coordination.{json,md}. See bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BullTaskQueue, type TaskSpec } from '../harness/queue/index.ts';
import { buildReport, journalPath, readJournal } from '../harness/reports/index.ts';
import type { CoordinationMetrics } from '../harness/reports/coordination.ts';
import { withBenchProject } from './harness-run.ts';

const AGENTS = 8;
const RESULTS = new URL('./results/', import.meta.url);
const TARGETS = { conflictRate: 0.02, duplicateRate: 0.01, mergeSuccessRate: 0.98 };

/** `note NAME` writes notes/NAME.txt; `edit FILE WORD` writes WORD to FILE (two edits of one file conflict when neither has the other). */
const AGENT = [
  'set -eu',
  'set -- $(sed -n 3p "$GANTRY_TASK_FILE")',
  'case "$1" in',
  '  note) mkdir -p notes; echo "$2" > "notes/$2.txt"; git add notes ;;',
  '  edit) echo "$3" > "$2"; git add "$2" ;;',
  'esac',
  'git commit -qm "$*"',
  'gantry-agent done --summary "$*"',
].join('\n');

/** 24 independent notes, 8 edits of 4 shared files (each declaring its file), 4 subjects each queued by two sources. */
export function taskMix(): TaskSpec[] {
  const base = { role: 'core', source: 'manual' };
  const pad = (i: number) => String(i).padStart(2, '0');
  const independent = Array.from({ length: 24 }, (_, i) => ({ ...base, text: `note n${pad(i)}`, files: [`notes/n${pad(i)}.txt`] }));
  const overlapping = Array.from({ length: 8 }, (_, i) => ({ ...base, text: `edit ledger-${i % 4}.md w${pad(i)}`, files: [`ledger-${i % 4}.md`] }));
  const duplicated = Array.from({ length: 4 }, (_, i) => [
    { ...base, text: `note d${pad(i)}`, files: [] },
    { ...base, source: 'failing-tests', text: `note d${pad(i)}`, files: [] },
  ]).flat();
  return [...independent, ...overlapping, ...duplicated];
}

export interface CoordinationRun {
  overlap: 'wait' | 'run';
  tasks: number;
  wallMs: number;
  totals: CoordinationMetrics;
}

async function runMix(redisUrl: string, overlap: 'wait' | 'run'): Promise<CoordinationRun> {
  return withBenchProject(redisUrl, { concurrency: AGENTS, retries: 2, sessions: 2, agentCommand: AGENT, roles: { overlap } }, async (bench) => {
    const redis = new Redis(redisUrl);
    const queue = new BullTaskQueue({ connection: redis, prefix: bench.project.prefix, attempts: 3 });
    const mix = taskMix();
    try {
      for (const spec of mix) await queue.add(spec);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    const { wallMs, run } = await bench.runUntilIdle();
    const report = buildReport(run, await readJournal(journalPath(join(bench.project.dir, 'state'), run)));
    return { overlap, tasks: mix.length, wallMs, totals: report.coordination.total };
  });
}

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

const met = (ok: boolean) => (ok ? 'met' : 'missed');

function renderTable(runs: readonly CoordinationRun[]): string {
  const row = (r: CoordinationRun) => {
    const t = r.totals;
    return `| ${r.overlap} | ${r.tasks} | ${t.submissions} | ${t.merges} | ${t.conflicts} | ${percent(t.conflictRate)} | ${t.duplicateSessions} / ${t.sessions} | ${percent(t.duplicateRate)} | ${percent(t.mergeSuccessRate)} | ${(r.wallMs / 1000).toFixed(0)} s |`;
  };
  const coordinated = runs.find((r) => r.overlap === 'wait');
  const verdict = coordinated
    ? `Targets at \`overlap: wait\`: conflict rate ≤ ${percent(TARGETS.conflictRate)} (${met((coordinated.totals.conflictRate ?? 1) <= TARGETS.conflictRate)}), duplicate work ≤ ${percent(TARGETS.duplicateRate)} (${met((coordinated.totals.duplicateRate ?? 1) <= TARGETS.duplicateRate)}), merge success ≥ ${percent(TARGETS.mergeSuccessRate)} (${met((coordinated.totals.mergeSuccessRate ?? 0) >= TARGETS.mergeSuccessRate)}).`
    : '';
  return [
    `## Coordination: 40 scripted tasks at ${AGENTS} agents`,
    '',
    '24 independent notes, 8 edits of 4 shared files (two per file, each declaring it), 4 subjects queued by two sources each.',
    '',
    '| roles.overlap | tasks | at the gate | merges | conflicts | conflict rate | duplicate sessions | duplicate work | merge success | wall time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(row),
    '',
    verdict,
    '',
  ].join('\n');
}

export async function benchCoordination(redisUrl: string): Promise<string> {
  const started = new Date();
  const runs = [await runMix(redisUrl, 'wait'), await runMix(redisUrl, 'run')];
  const markdown = renderTable(runs);
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL('coordination.json', RESULTS), `${JSON.stringify({ startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), agents: AGENTS, targets: TARGETS, runs }, null, 2)}\n`);
  await writeFile(new URL('coordination.md', RESULTS), markdown);
  return markdown;
}
