import type { Task } from '../queue/types.ts';
import type { Role } from '../roles/types.ts';
import { firstOf } from '../text.ts';
import type { BriefMemory } from './brief-memory.ts';
import type { MemoryEntry } from './memory-entry.ts';

/** Another task at work on the same files (see ActiveBranches). */
export interface OtherBranch {
  task: string;
  role: string;
  files: string[];
  /** Files a merge of the two branches would conflict in. */
  conflicts: string[];
}

export interface PastSession {
  attempt: number;
  session: number;
  end: string;
  exitCode: number | null;
  durationMs: number;
}

export interface BriefInput {
  task: Task;
  /** The task's role: its standing prompt and file scope open the brief. */
  role?: Role;
  attempt: number;
  maxAttempts: number;
  session: number;
  maxSessions: number;
  /** Previous sessions of this task, oldest first. */
  sessions: readonly PastSession[];
  /** Why earlier attempts failed (gate output, exit codes), oldest first. */
  failures: readonly string[];
  /** Paths as the agent sees them inside its container. */
  paths: { workTree: string; doneFile: string };
  /** The branch the gate merges into. */
  main: string;
  /** Other tasks at work now on the files this one changes or names. */
  otherBranches?: readonly OtherBranch[];
  /** Handoff, decisions and lessons, messages and peers from the shared memory. */
  memory?: BriefMemory;
}

/** The standing prompt, then the files the role may change: a branch outside them does not merge as it is. */
function roleLines(role: Role): string[] {
  const { owns, avoid } = role.scope;
  const everything = owns.includes('**');
  return [
    role.prompt,
    '',
    ...(everything ? [] : [`You may change only files matching ${owns.map((glob) => `\`${glob}\``).join(', ')}.`]),
    ...(avoid.length > 0 ? [`Do not change files matching ${avoid.map((glob) => `\`${glob}\``).join(', ')}.`] : []),
  ].filter((line, i, lines) => line !== '' || i < lines.length - 1);
}

/** Up to this many files named per other branch: enough to see where, not an inventory. */
const FILES_SHOWN = 8;

function otherBranchLines(others: readonly OtherBranch[], main: string): string[] {
  if (others.length === 0) return [];
  const list = (files: readonly string[]) => firstOf(files, FILES_SHOWN);
  return [
    `Other agents are changing the same files on their own branches. Keep your changes to these files small and to the point; whichever branch reaches main second has to merge \`origin/${main}\` into itself (\`gantry-agent sync\` first).`,
    '',
    ...others.map((o) => `- task ${o.task} (${o.role}): ${list(o.files)}${o.conflicts.length > 0 ? `; merging the two branches conflicts in ${list(o.conflicts)}` : ''}`),
  ];
}

const byWhom = (entry: MemoryEntry) => `task ${entry.task} (${entry.role})`;

function learnedLines(entries: readonly MemoryEntry[]): string[] {
  return entries.map((entry) => `- ${entry.kind} by ${byWhom(entry)}: ${entry.text}${entry.why ? ` (why: ${entry.why})` : ''}`);
}

function peerLines(memory: BriefMemory): string[] {
  return memory.peers.map((peer) => {
    const lease = peer.lease ? `; leased ${firstOf(peer.lease.files, FILES_SHOWN)} until ${peer.lease.until}` : '';
    return `- task ${peer.task} (${peer.role}) on \`${peer.branch}\`: ${peer.files.length > 0 ? firstOf(peer.files, FILES_SHOWN) : 'no files yet'}${lease}`;
  });
}

function section(title: string, body: string[]): string[] {
  return body.length === 0 ? [] : [`## ${title}`, '', ...body, ''];
}

/**
 * The brief a session reads from $GANTRY_TASK_FILE. A session has no memory
 * but the repository and this file, so it says everything the next session
 * needs: the task, how to show it is done, and what happened before.
 */
export function renderBrief(input: BriefInput): string {
  const { task } = input;
  const lines = [
    `# Task ${task.id}`,
    '',
    task.text,
    '',
    `Role: ${task.role}. Attempt ${input.attempt} of ${input.maxAttempts}, session ${input.session} of at most ${input.maxSessions}.`,
    '',
    ...(input.role ? section(`Your role: ${input.role.name}`, roleLines(input.role)) : []),
    ...section('Acceptance', task.acceptance ? [`This command must succeed: \`${task.acceptance}\``] : []),
    ...section('Relevant files', task.files.map((f) => `- ${f}`)),
    ...section('Handoff from the last session', input.memory?.handoff ? [input.memory.handoff.text] : []),
    ...section('Messages for you', (input.memory?.messages ?? []).map((m) => `- from ${byWhom(m)} to ${m.to}: ${m.text}`)),
    ...section('Decisions and lessons', learnedLines(input.memory?.learned ?? [])),
    ...section('Other branches at work', otherBranchLines(input.otherBranches ?? [], input.main)),
    ...section('Peers: every other task at work', input.memory ? peerLines(input.memory) : []),
    ...section(
      'Previous sessions',
      input.sessions.map((s) => `- attempt ${s.attempt}, session ${s.session}: ${s.end} (exit ${s.exitCode ?? 'none'}, ${Math.round(s.durationMs / 1000)} s)`),
    ),
    ...section('Why earlier attempts failed', input.failures.map((f) => `- ${f.replace(/\n/g, '\n  ')}`)),
    '## How to work',
    '',
    `- The repository is at ${input.paths.workTree}, on this task's own branch. Commit your work there; uncommitted changes are not merged.`,
    '- While working, test with `gantry-test --fast` (a sample of the suite, chosen for your changes); `gantry-test` alone runs the full suite.',
    '- Before anything reaches main, the full suite runs on your branch merged with main, with main\'s copies of the tests; a failure comes back to you here.',
    `- If main has moved or your branch conflicts with it, run \`gantry-agent sync\` and merge or rebase onto \`origin/${input.main}\`.`,
    '- A session that shows no sign of work (output, file changes, CPU or network use) for a while is stopped as hung; before a long silent step, run `gantry-agent heartbeat`.',
    '- Leave what the next session should know: `gantry-agent decide "..." --why "..."`, `gantry-agent lesson "..."`, `gantry-agent handoff "..."` (read by the next session of this task), `gantry-agent note "..."` (the shared feed); `gantry-agent peers` and `gantry-agent inbox` show who else works and what they told you; `gantry-agent msg TASK|ROLE|all "..."` writes to them.',
    `- When the task is done, run \`gantry-agent done --summary "..."\` (or create ${input.paths.doneFile}). Otherwise another fresh session continues after this one.`,
    '',
  ];
  return lines.join('\n');
}
