/**
 * The hostile agents of test/fixtures/repos/hostile (tools/agent.sh: one
 * attack per task, named by the task's first word) and what containing each
 * means: how its task must end, which `contained` kinds the report must name
 * for it, and whether its own probe must have logged `ATTACK <name> blocked`.
 * test/faults/hostile.test.ts holds every attack to its rule (and checks the
 * host and main besides); bench/chaos.ts counts attacks tried and blocked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RunReport } from '../../harness/reports/index.ts';
import { makeProject, type Project, type ProjectOptions } from '../helpers/project-fixture.ts';

export interface AttackRule {
  ends: 'merged' | 'failed';
  /** The report's `contained` kinds for the task, in any order; `a|b` accepts either. */
  contained: readonly string[];
  /** Its probe must log `ATTACK <name> blocked` (a wall that leaves no event: no socket, no route). */
  probe?: true;
  /** Not an attack: a control that must go through untouched. */
  control?: true;
}

export const ATTACK_RULES = {
  note: { ends: 'merged', contained: [], control: true },
  slow: { ends: 'merged', contained: [], control: true },
  // Stopped at the process limit; then ended as hung (bash backs off between refused forks) or at its time limit.
  forkbomb: { ends: 'failed', contained: ['processes', 'hung|time'] },
  memhog: { ends: 'failed', contained: ['memory'] },
  diskfill: { ends: 'failed', contained: ['disk'] },
  hang: { ends: 'failed', contained: ['hung'] },
  bigfile: { ends: 'failed', contained: ['large-file'] },
  manyfiles: { ends: 'failed', contained: ['branch-size'] },
  symlink: { ends: 'failed', contained: ['symlink'] },
  skip: { ends: 'failed', contained: ['tests'] },
  ci: { ends: 'failed', contained: ['tests'] },
  gitconfig: { ends: 'merged', contained: ['git-config'] },
  secret: { ends: 'merged', contained: ['secret'] },
  push: { ends: 'merged', contained: [], probe: true },
  dockersock: { ends: 'merged', contained: [], probe: true },
  redis: { ends: 'merged', contained: [], probe: true },
  othertree: { ends: 'merged', contained: [], probe: true },
  api: { ends: 'merged', contained: [], probe: true },
  forge: { ends: 'merged', contained: ['api'], probe: true },
} as const satisfies Record<string, AttackRule>;

export type AttackName = keyof typeof ATTACK_RULES;

export interface AttackVerdict {
  attack: AttackName;
  /** Contained as its rule says (for a control: went through untouched). */
  held: boolean;
  /** What was seen: the task's end and the kinds the report named. */
  seen: string;
}

/** Where the batch ran, what the report said, and every session log. */
export interface AttackedRun {
  project: Project;
  report: RunReport;
  /** Task id by attack. */
  ids: Partial<Record<AttackName, string>>;
  logs: string;
  /** The host directory the attacks aim at (HOST_MARK), and the token they try to leak (SERVICE_TOKEN). */
  hostDir: string;
  token: string;
}

/** Each entry of the rule takes one kind of its own; no kind may be left over. */
function kindsMatch(rule: readonly string[], kinds: readonly string[]): boolean {
  const left = [...kinds];
  for (const allowed of rule) {
    const index = left.findIndex((kind) => allowed.split('|').includes(kind));
    if (index < 0) return false;
    left.splice(index, 1);
  }
  return left.length === 0;
}

export function judgeAttack(run: AttackedRun, attack: AttackName): AttackVerdict {
  const rule: AttackRule = ATTACK_RULES[attack];
  const id = run.ids[attack];
  const status = run.report.tasks.find((task) => task.id === id)?.status ?? 'missing';
  const kinds = [...new Set(run.report.contained.filter((c) => c.task === id).map((c) => c.kind))].sort();
  const probed = !rule.probe || run.logs.includes(`ATTACK ${attack} blocked`);
  const through = run.logs.includes(`ATTACK ${attack} succeeded`);
  const held = status === rule.ends && kindsMatch(rule.contained, kinds) && probed && !through;
  return { attack, held, seen: `${status}${kinds.length > 0 ? `, contained: ${kinds.join(', ')}` : ''}${through ? ', its probe got through' : ''}${probed ? '' : ', its probe said nothing'}` };
}

/**
 * The two batches the suite runs: attacks on resources (each stopped by a
 * limit, with a slow-but-alive control), and attacks through the branch, the
 * `.git`, the environment and the network.
 */
export const ATTACK_BATCHES: ReadonlyArray<{ attacks: readonly AttackName[]; options: ProjectOptions }> = [
  {
    attacks: ['forkbomb', 'memhog', 'diskfill', 'hang', 'slow', 'note'],
    options: {
      concurrency: 3, retries: 0, sessions: 1, sessionTimeoutMs: 20_000, memory: '128m',
      container: { pids: 32, disk: '64m' }, limits: { idleTimeout: 3_000 },
    },
  },
  {
    attacks: ['bigfile', 'manyfiles', 'symlink', 'gitconfig', 'push', 'skip', 'ci', 'dockersock', 'redis', 'othertree', 'api', 'forge', 'secret', 'note'],
    options: {
      concurrency: 3, retries: 1, sessions: 1, sessionTimeoutMs: 90_000,
      container: { fileSize: '16m' }, limits: { branchFiles: 1_000 }, gate: { testChanges: 'deny' },
    },
  },
];

async function sessionLogs(dir: string): Promise<string> {
  const { stdout } = await execa('find', [dir, '-name', 'session-*.log', '-type', 'f']);
  const files = stdout.split('\n').filter(Boolean);
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}

/**
 * Queues one task per attack (its text `<attack> <attack>`) on a new hostile
 * project and runs `gantry run --until-idle`. The caller removes the run with
 * `cleanUpAttacks` once it has looked.
 */
export async function runAttackBatch(redisUrl: string, batch: (typeof ATTACK_BATCHES)[number]): Promise<AttackedRun> {
  const hostDir = await mkdtemp(join(tmpdir(), 'gantry-host-'));
  await writeFile(join(hostDir, 'done'), 'the host file an agent wants removed\n');
  const token = `svc-token-${randomBytes(12).toString('hex')}`;
  const project = await makeProject(redisUrl, {
    fixture: 'hostile', ...batch.options,
    agentEnv: { HOST_MARK: hostDir, REDIS_PORT: new URL(redisUrl).port || '6379', SERVICE_TOKEN: token },
  });
  const ids: Partial<Record<AttackName, string>> = {};
  for (const attack of batch.attacks) {
    const added = await project.gantry(['task', 'add', `${attack} ${attack}`]);
    if (added.exitCode !== 0) throw new Error(`gantry task add ${attack} failed: ${added.stderr}`);
    ids[attack] = added.stdout.trim().split(' ').pop() ?? '';
  }
  const run = await project.gantry(['run', '--until-idle'], { timeout: 280_000 });
  if (run.exitCode !== 0) throw new Error(`gantry run --until-idle exited ${run.exitCode}: ${run.stderr.slice(-2_000)}`);
  const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as RunReport;
  return { project, report, ids, logs: await sessionLogs(join(project.dir, 'state', 'runs')), hostDir, token };
}

export async function cleanUpAttacks(run: AttackedRun): Promise<void> {
  await run.project.cleanup();
  await rm(run.hostDir, { recursive: true, force: true });
}

/** Runs every batch and judges every attack in it (controls included, marked by their rule); cleans up after each. */
export async function tryEveryAttack(redisUrl: string, log: (line: string) => void = () => {}): Promise<AttackVerdict[]> {
  const verdicts: AttackVerdict[] = [];
  for (const batch of ATTACK_BATCHES) {
    log(`hostile agents: ${batch.attacks.join(', ')}`);
    const run = await runAttackBatch(redisUrl, batch);
    try {
      verdicts.push(...batch.attacks.map((name) => judgeAttack(run, name)));
    } finally {
      await cleanUpAttacks(run);
    }
  }
  return verdicts;
}
