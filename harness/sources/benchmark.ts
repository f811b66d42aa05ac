import { GantryError } from '../errors.ts';
import type { BenchmarkSource } from './source-schema.ts';
import { changedFiles, commitList, hasOpenTask } from './source-text.ts';
import type { SourceOutput, TaskSourceRun } from './types.ts';

type Measurement = Record<string, number>;

/**
 * The project's benchmark on main: its numbers are compared with the last
 * run's, and each that grew by more than `threshold` is a task for the role.
 * The new numbers are kept either way, so one regression is reported once.
 */
export const benchmark: TaskSourceRun<BenchmarkSource> = async (source, input) => {
  const outcome = await input.runOnMain(source.command);
  const short = input.head.slice(0, 12);
  if (outcome.exitCode !== 0) {
    return { tasks: [{ text: `The benchmark fails on main (commit ${short}, exit ${outcome.exitCode ?? 'none'}${outcome.timedOut ? ', timed out' : ''}): make \`${source.command}\` run again.\n\nIts last lines:\n\n${tail(outcome.output)}`, files: [], subject: `benchmark fails ${short}` }], memo: input.memo };
  }
  const now = lastMeasurement(outcome.output);
  if (!now) {
    throw new GantryError('SOURCE_FAILED', `${input.role.file} source.command: \`${source.command}\` printed no line that is a JSON object of numbers, e.g. {"parse_ms": 120}; make its last such line the measurement`);
  }
  const before = isMeasurement(input.memo) ? input.memo : {};
  const open = await input.tasks();
  const output: SourceOutput = { tasks: [], memo: now };
  for (const [name, value] of Object.entries(now)) {
    const last = before[name];
    if (last === undefined || last <= 0 || value <= last * (1 + source.threshold) || hasOpenTask(open, `benchmark ${name} `)) continue;
    output.tasks.push({
      text: [
        `The benchmark's ${name} regressed on main: ${last} → ${value} (+${Math.round((value / last - 1) * 100)} %, more than the ${Math.round(source.threshold * 100)} % allowed) by commit ${short}.`,
        '',
        `Find what made it slower and bring it back without losing what the change was for. The merges since the last measurement:\n${commitList(input.commits)}`,
        '',
        `Measure with \`${source.command}\`.`,
      ].join('\n'),
      files: changedFiles(input.commits),
      subject: `benchmark ${name} ${short}`,
    });
  }
  return output;
};

function isMeasurement(value: unknown): value is Measurement {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v));
}

function lastMeasurement(output: string): Measurement | undefined {
  for (const line of output.trim().split('\n').reverse()) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (isMeasurement(parsed) && Object.keys(parsed).length > 0) return parsed;
    } catch {
      // Not the measurement line.
    }
  }
  return undefined;
}

function tail(output: string): string {
  return `\`\`\`\n${output.trimEnd().split('\n').slice(-20).join('\n')}\n\`\`\``;
}
