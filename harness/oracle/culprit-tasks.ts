import type { OracleConfig } from '../config/types.ts';
import type { TaskQueue } from '../queue/types.ts';
import type { OracleTaskRecord } from '../reports/events.ts';
import { mixOf } from './mix-probe.ts';
import { describeMix, mixScript } from './mix-script.ts';

/**
 * One task per culprit on its role's task queue. Its subject names the culprit's
 * units, so the task id (a hash of source and subject) is the same every time
 * the oracle finds that culprit: an open task is never queued twice. The
 * brief carries a one-build reproducer: the exact mix that fails, and the
 * all-oracle mix that passes, as scripts to run in the repository root.
 */

export interface CulpritBriefInput {
  oracle: OracleConfig;
  /** Every unit, in the order the bisection used. */
  units: readonly string[];
  culprit: readonly string[];
  commit: string;
  /** The all-oracle output (compare and custom judges). */
  expected?: string;
}

export const ORACLE_SOURCE = 'oracle';

/** The sentence before the failing script, which `reproducerOf` looks for. */
const FAILS = 'This build fails:';
const PASSES = 'This build, all oracle, passes:';

export function culpritSubject(culprit: readonly string[]): string {
  return `oracle ${[...culprit].sort().join(' ')}`;
}

export function culpritBrief(input: CulpritBriefInput): string {
  const { oracle, units, culprit, commit } = input;
  const expected = input.expected === undefined ? {} : { expected: input.expected };
  const failing = mixOf(units, new Set(culprit));
  const passing = mixOf(units, new Set());
  const what = culprit.length === 1
    ? `The candidate gets unit ${culprit[0]} wrong: the build with the candidate for it and the oracle for every other unit fails.`
    : `The candidate gets units ${culprit.join(', ')} wrong together: each of them alone with the oracle for the rest passes, all of them together fail. Fix how the candidate handles their combination.`;
  return [
    `Oracle bisection found a culprit on main at ${commit.slice(0, 12)}: ${culprit.join(' + ')}.`,
    '',
    what,
    '',
    `Build: \`${oracle.build}\`; judge (${oracle.judge.kind}): \`${oracle.judge.command}\`${oracle.judge.verdict ? `, verdict \`${oracle.judge.verdict}\`` : ''}.`,
    'Each script below is one build: it writes the unit lists, sets the environment, builds the mix and judges it. Run it from the repository root (with the tools of the probe image).',
    '',
    `${FAILS} ${describeMix(failing)}.`,
    '',
    fenced(mixScript({ oracle, mix: failing, ...expected })),
    '',
    `${PASSES} ${describeMix(passing)}.`,
    '',
    fenced(mixScript({ oracle, mix: passing, ...expected })),
    '',
    'The task is done when the first script passes too, without changing the build, the judge or the units.',
  ].join('\n');
}

/** The two scripts of a brief made by culpritBrief: the failing mix, then the all-oracle mix. */
export function reproducerOf(brief: string): { fails: string; passes: string } | undefined {
  const scriptAfter = (marker: string) => {
    const start = brief.indexOf(marker);
    if (start < 0) return undefined;
    return /(`{3,})sh\n([\s\S]*?)\n\1(?!`)/.exec(brief.slice(start))?.[2];
  };
  const fails = scriptAfter(FAILS);
  const passes = scriptAfter(PASSES);
  return fails === undefined || passes === undefined ? undefined : { fails, passes };
}

export interface QueueCulpritsInput extends Omit<CulpritBriefInput, 'culprit'> {
  culprits: readonly (readonly string[])[];
  queue: Pick<TaskQueue, 'add'>;
}

export async function queueCulpritTasks(input: QueueCulpritsInput): Promise<OracleTaskRecord[]> {
  const records: OracleTaskRecord[] = [];
  for (const culprit of input.culprits) {
    const { task, created } = await input.queue.add({
      text: culpritBrief({ ...input, culprit }),
      role: input.oracle.role,
      files: [...culprit],
      source: ORACLE_SOURCE,
      subject: culpritSubject(culprit),
    });
    records.push({ task: task.id, units: [...culprit], created });
  }
  return records;
}

/** A script in a fence longer than any run of backticks inside it. */
function fenced(script: string): string {
  const longest = Math.max(0, ...[...script.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}sh`, script.trimEnd(), fence].join('\n');
}
