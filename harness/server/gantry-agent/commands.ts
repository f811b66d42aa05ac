import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const GANTRY_AGENT_USAGE = `usage: gantry-agent COMMAND
  done [--summary TEXT]        declare the task done (ends the session loop); the summary goes to the shared memory
  decide TEXT [--why TEXT]     record a decision later sessions of matching work read in their briefs
  lesson TEXT                  record a lesson (what worked, what did not)
  handoff TEXT                 leave a note for the next session of this task
  note TEXT                    post to the shared notes feed
  msg TASK|ROLE|all TEXT       message a task, every task of a role, or everyone
  lease FILE... [--ttl 30m]    lease files (paths or globs): peers see it, tasks that declare them wait (default 30m, at most 24h)
  release [FILE...]            give back the named files, or the whole lease
  inbox                        the messages for this task
  peers                        every other task at work: role, branch, files
  memory [SEARCH] [--kind K]   the shared memory (decisions, lessons, notes, summaries)
  sync                         fetch current main (as origin/<main>) to merge or rebase onto
  heartbeat                    say "still working" during a long silent step (limits.idleTimeout)
  add --json to inbox, peers and memory for the raw answer`;

export interface AgentIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  call(method: 'GET' | 'POST' | 'DELETE', path: string, payload?: unknown): Promise<unknown>;
}

interface Entry {
  id: string;
  kind: string;
  task: string;
  role: string;
  text: string;
  why?: string;
  to?: string;
  at: string;
}

interface PeerView {
  task: string;
  role: string;
  branch: string;
  files: string[];
  lease?: { files: string[]; until: string };
}

/** `90`, `90s`, `30m` or `2h` as seconds. */
function ttlSeconds(text: string): number {
  const match = /^(\d+)([smh]?)$/.exec(text.trim());
  if (!match) throw new Error(`--ttl ${text} is not a duration: give seconds, or a number with s, m or h (e.g. 30m)`);
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[match[2] || 's']!;
}

function peerText(peer: PeerView): string {
  const lease = peer.lease ? `; leased ${peer.lease.files.join(', ')} until ${peer.lease.until}` : '';
  return `${peer.task} (${peer.role}) on ${peer.branch}: ${peer.files.join(', ') || 'no files yet'}${lease}`;
}

function taskPath(io: AgentIo, rest: string): string {
  const task = io.env.GANTRY_TASK_ID;
  if (!task) throw new Error('GANTRY_TASK_ID is not set: run gantry-agent inside a gantry session');
  return `/v1/tasks/${encodeURIComponent(task)}/${rest}`;
}

function entryText(entry: Entry): string {
  return `${entry.at.slice(0, 19)} ${entry.kind} from ${entry.task} (${entry.role})${entry.to ? ` to ${entry.to}` : ''}: ${entry.text}${entry.why ? ` (why: ${entry.why})` : ''}`;
}

function requireText(words: readonly string[], what: string): string {
  const text = words.join(' ').trim();
  if (!text) throw new Error(`say what to record: gantry-agent ${what} "..."`);
  return text;
}

async function record(io: AgentIo, kind: string, text: string, why?: string): Promise<void> {
  const entry = await io.call('POST', taskPath(io, 'memory'), { kind, text, ...(why ? { why } : {}) }) as Entry;
  io.out(`gantry-agent: recorded ${kind} ${entry.id}`);
}

function markDone(io: AgentIo, summary: string): void {
  const file = io.env.GANTRY_DONE_FILE;
  if (!file) throw new Error('GANTRY_DONE_FILE is not set: run gantry-agent inside a gantry session');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${summary}\n`);
}

function sync(io: AgentIo): void {
  const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  const bundle = join(top, '.gantry', 'main.bundle');
  if (!existsSync(bundle)) {
    io.out('gantry-agent: main has not moved since this branch was taken; nothing to sync');
    return;
  }
  execFileSync('git', ['fetch', '-q', bundle, '+refs/heads/*:refs/remotes/origin/*'], { stdio: 'inherit' });
  const heads = execFileSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' });
  const main = /refs\/heads\/(\S+)/.exec(heads)?.[1] ?? 'main';
  io.out(`gantry-agent: current main is now origin/${main}; merge or rebase onto it`);
}

function heartbeat(): void {
  // The session watch counts a change in the work tree as progress.
  const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  mkdirSync(join(top, '.gantry'), { recursive: true });
  writeFileSync(join(top, '.gantry', 'heartbeat'), `${Math.floor(Date.now() / 1000)}\n`);
}

/** Runs one gantry-agent command; returns the exit code (2 for a usage error). */
export async function gantryAgent(argv: readonly string[], io: AgentIo): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: [...rest], allowPositionals: true, strict: true,
    options: { summary: { type: 'string' }, why: { type: 'string' }, kind: { type: 'string' }, ttl: { type: 'string' }, json: { type: 'boolean' } },
  });
  const show = (body: unknown, lines: (body: never) => string[]) => {
    if (values.json) io.out(JSON.stringify(body, null, 2));
    else for (const line of lines(body as never)) io.out(line);
  };
  switch (command) {
    case 'done': {
      const summary = values.summary ?? '';
      markDone(io, summary);
      // The done marker is what ends the loop; the summary is a courtesy to later sessions and may fail alone.
      if (summary && io.env.GANTRY_API) await record(io, 'summary', summary).catch((error: unknown) => io.out(`gantry-agent: done, but the summary was not recorded: ${(error as Error).message}`));
      return 0;
    }
    case 'decide': await record(io, 'decision', requireText(positionals, 'decide'), values.why); return 0;
    case 'lesson': await record(io, 'lesson', requireText(positionals, 'lesson')); return 0;
    case 'handoff': await record(io, 'handoff', requireText(positionals, 'handoff')); return 0;
    case 'note': await record(io, 'note', requireText(positionals, 'note')); return 0;
    case 'msg': {
      const [to, ...words] = positionals;
      if (!to) throw new Error('say whom to write to: gantry-agent msg TASK|ROLE|all "..."');
      const entry = await io.call('POST', taskPath(io, 'messages'), { to, text: requireText(words, `msg ${to}`) }) as Entry;
      io.out(`gantry-agent: sent message ${entry.id} to ${to}`);
      return 0;
    }
    case 'inbox':
      show(await io.call('GET', taskPath(io, 'inbox')), (entries: Entry[]) => (entries.length === 0 ? ['no messages'] : entries.map(entryText)));
      return 0;
    case 'peers':
      show(await io.call('GET', '/v1/peers'), (peers: PeerView[]) => (peers.length === 0 ? ['no other task at work'] : peers.map(peerText)));
      return 0;
    case 'lease': {
      if (positionals.length === 0) throw new Error('name the files to lease: gantry-agent lease FILE... [--ttl 30m]');
      const lease = await io.call('POST', taskPath(io, 'leases'), { files: positionals, ...(values.ttl ? { ttlSeconds: ttlSeconds(values.ttl) } : {}) }) as { files: string[]; until: number };
      io.out(`gantry-agent: leased ${lease.files.join(', ')} until ${new Date(lease.until).toISOString()}`);
      return 0;
    }
    case 'release': {
      const answer = await io.call('DELETE', taskPath(io, 'leases'), { files: positionals }) as { released: string[] };
      io.out(answer.released.length > 0 ? `gantry-agent: released ${answer.released.join(', ')}` : 'gantry-agent: no lease to release');
      return 0;
    }
    case 'memory': {
      const query = new URLSearchParams({ ...(values.kind ? { kind: values.kind } : {}), ...(positionals.length > 0 ? { q: positionals.join(' ') } : {}) });
      show(await io.call('GET', `/v1/memory?${query}`), (entries: Entry[]) => (entries.length === 0 ? ['nothing recorded'] : entries.map(entryText)));
      return 0;
    }
    case 'sync': sync(io); return 0;
    case 'heartbeat': heartbeat(); return 0;
    default:
      io.out(GANTRY_AGENT_USAGE);
      return 2;
  }
}
