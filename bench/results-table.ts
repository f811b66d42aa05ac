import type { MachineFacts } from './machine.ts';
import type { OverheadResult } from './overhead.ts';
import type { ParallelLevel } from './parallel.ts';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/** The bench results as Markdown: machine, overhead against the floor, parallel efficiency. */
export function renderResults(machine: MachineFacts, overhead: OverheadResult, parallel: readonly ParallelLevel[], sleepSeconds: number): string {
  const { floor, harness, ratios } = overhead;
  const phases = harness.phasesMeanMs;
  return [
    '# gantry overhead bench',
    '',
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, Docker ${machine.docker}, git ${machine.git}.`,
    '',
    `## Overhead: ${overhead.tasks} one-note tasks at concurrency 1`,
    '',
    table(['measure', 'median', 'mean', 'min', 'max'], [
      ['`docker run --rm` true', s(floor.dockerTrue.medianMs), s(floor.dockerTrue.meanMs), s(floor.dockerTrue.minMs), s(floor.dockerTrue.maxMs)],
      ['floor per task (bench/floor.sh)', s(floor.perTask.medianMs), s(floor.perTask.meanMs), s(floor.perTask.minMs), s(floor.perTask.maxMs)],
      ['harness per task (attempt.started → task.merged)', s(harness.span.medianMs), s(harness.span.meanMs), s(harness.span.minMs), s(harness.span.maxMs)],
    ]),
    '',
    table(['harness', 'value', '× floor'], [
      ['span per task (median)', s(harness.span.medianMs), `**${ratios.spanOverFloor}×**`],
      ['journal window / tasks (incl. hand-over)', s(harness.windowPerTaskMs), `${ratios.windowPerTaskOverFloor}×`],
      ['(run wall − start-up) / tasks', s(harness.wallPerTaskMs), `${ratios.wallPerTaskOverFloor}×`],
      ['start-up + shutdown, empty queue', s(harness.startupMs), ''],
      ['run wall, all tasks', s(harness.runWallMs), ''],
    ]),
    '',
    'Where a task\'s harness time goes (mean):',
    '',
    table(['phase', 'mean'], [
      ['prepare: attempt.started → session.started (work tree, brief)', s(phases.prepareMs)],
      ['agent session container', s(phases.sessionsMs)],
      ['gate: session.ended → gate.result (ingest, batch wait and lock, merge-tree, export, tests)', s(phases.gateMs)],
      ['… of which the test container', s(phases.testContainerMs)],
      ['merge: gate.result → task.merged (CAS, push)', s(phases.mergeMs)],
    ]),
    '',
    `## Parallel efficiency: \`slow\` tasks (agent sleeps ${sleepSeconds} s)`,
    '',
    `measured = first attempt.started → last task.merged. ideal = ceil(tasks / concurrency) × (${sleepSeconds} s + floor per task ${s(floor.perTask.medianMs)}): it ignores what the machine pays when many containers start at once; efficiency = ideal / measured is what the target is stated against. raw floor = the same tasks by hand (bench/floor.sh, the committing container sleeping ${sleepSeconds} s), concurrency at a time, timed in this run as one span; vs raw floor = raw floor / measured. "Last session ended at" is on the same clock as measured; the rest of measured is the gate draining (branches that wait together merge as one batch, tested once at its tip).`,
    '',
    table(['concurrency', 'tasks', 'measured', 'ideal', 'efficiency', 'raw floor', 'vs raw floor', 'peak sessions', 'session median', 'last session ended at', 'gate median', 'gate max', 'test container median'], parallel.map((l) => [
      l.concurrency, l.tasks, s(l.measuredMs), s(l.idealMs), `**${l.efficiency}**`, s(l.rawFloorMs), `**${l.efficiencyVsRawFloor}**`, l.peakSessions, s(l.sessionMedianMs), s(l.sessionsDoneMs), s(l.gateMedianMs), s(l.gateMaxMs), s(l.testContainerMedianMs),
    ])),
    '',
  ].join('\n');
}
