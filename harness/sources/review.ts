import type { ReviewSource } from './source-schema.ts';
import { changedFiles, commitList } from './source-text.ts';
import type { TaskSourceRun } from './types.ts';

/** `file:line: message` or `file:line:column: message`, as compilers and linters print findings. */
const FINDING = /^([^\s:][^:]*):(\d+)(?::\d+)?:\s*(.+)$/;
/** A reviewing command that prints more than this is reporting style noise, not findings worth a task each. */
const MAX_FINDINGS = 20;

/**
 * A review of the merges since the last run. With a reviewing command, each
 * finding it prints is a task; without one, one task asks the role to review
 * the merges, naming each and the files it changed.
 */
export const review: TaskSourceRun<ReviewSource> = async (source, input) => {
  if (input.commits.length === 0) return { tasks: [] };
  const files = changedFiles(input.commits);
  const short = input.head.slice(0, 12);
  if (source.command === undefined) {
    return {
      tasks: [{
        text: [
          `Review the last ${input.commits.length} merges on main (up to commit ${short}):`,
          commitList(input.commits),
          '',
          'Look for bugs, missed cases, unclear code and tests that do not check what they claim, and fix what you find. If you find nothing worth changing, say so in your done summary.',
        ].join('\n'),
        files,
        subject: `review ${short}`,
      }],
    };
  }
  const outcome = await input.runOnMain(source.command, { GANTRY_REVIEW_FILES: files.join('\n') });
  const findings = outcome.output.split('\n').flatMap((line) => {
    const match = FINDING.exec(line.trim());
    return match ? [{ file: match[1]!, line: Number(match[2]), message: match[3]!.trim() }] : [];
  });
  return {
    tasks: findings.slice(0, MAX_FINDINGS).map((finding) => ({
      text: `Fix a review finding on main (commit ${short}) at ${finding.file}:${finding.line}: ${finding.message}\n\nFrom \`${source.command}\`, reviewing the merges:\n${commitList(input.commits)}`,
      files: [finding.file],
      // By file and message, not line: the same finding a few lines away after an edit is the same task.
      subject: `review ${finding.file}: ${finding.message}`,
    })),
  };
};
