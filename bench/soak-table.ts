import type { SoakResult } from './soak.ts';
import type { SeriesSummary } from './soak-summary.ts';

const MIB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const signedMib = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${mib(Math.abs(bytes))}`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function memoryRow(name: string, s: SeriesSummary): string[] {
  return [name, mib(s.atStartup), mib(s.start), mib(s.end), mib(s.max), mib(s.firstThird), mib(s.lastThird), signedMib(s.growth), `${signedMib(s.slopePerHour)}/h`];
}

/** The soak's figures as Markdown: memory, disk, throughput, then every sample. */
export function renderSoak(result: SoakResult): string {
  const { summary, machine } = result;
  const { disk, tasks } = summary;
  return [
    '# gantry soak',
    '',
    `${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, Docker ${machine.docker}. Started ${result.startedAt}.`,
    '',
    `One controller (\`gantry run\`, ${result.concurrency} slots) with the demo's scripted command agents, fed tasks for ${result.minutes} minutes (one in ${result.wrongEvery} is rejected by the gate and fails); sampled every ${result.sampleEveryMs / 1000} s, then once more when every task had ended. ${tasks.ended} of ${tasks.added} tasks ended, ${tasks.perHour} an hour. The controller exited with ${result.controllerExit ?? 'no code'} on SIGTERM.`,
    '',
    '## Controller memory while fed',
    '',
    `Heap is the live heap: the probe forces a collection before each reading. Every column but the first leaves out the warm-up (the first ${Math.round(summary.warmupMs / 1000)} s: modules, compiled code, the heap growing to its working size); "thirds" are the medians of the first and last third of the samples after it.`,
    '',
    ...table(['measure', 'at start-up', 'after warm-up', 'end', 'max', 'first third', 'last third', 'growth', 'slope'], [
      memoryRow('RSS (/proc VmRSS)', summary.rssBytes),
      memoryRow('live heap', summary.heapBytes),
    ]),
    '',
    '## Disk',
    '',
    ...table(['measure', 'value'], [
      ['state directory at the end of feeding', mib(disk.stateEndBytes)],
      ['state directory once idle', mib(disk.stateIdleBytes)],
      ['… per ended task (logs, journal, git objects, archived branch)', kib(disk.bytesPerTask)],
      ['work trees, most at once while fed', mib(disk.workMaxBytes)],
      ['work trees once idle', `${disk.workTreesIdle} trees, ${mib(disk.workIdleBytes)}`],
    ]),
    '',
    '## Samples',
    '',
    ...table(['time', 'phase', 'RSS', 'live heap', 'state dir', 'work trees', 'tasks ended / added'], result.samples.map((s) => [
      `${Math.round(s.atMs / 1000)} s`, s.phase, mib(s.rssBytes), s.heapUsedBytes === null ? '–' : mib(s.heapUsedBytes),
      mib(s.stateBytes), `${s.workTrees} (${mib(s.workBytes)})`, `${s.tasksEnded} / ${s.tasksAdded}`,
    ])),
    '',
  ].join('\n');
}
