import type { RunSnapshot, Violation, ViolationKind } from './invariants.ts';

export const KILL_TARGETS = ['controller', 'worker', 'container', 'redis'] as const;
export type KillTarget = (typeof KILL_TARGETS)[number];

export interface Kill {
  target: KillTarget;
  /** Milliseconds since the chaos began. */
  atMs: number;
  /** The pid, or the task whose agent container it was. */
  detail: string;
  /** The target came back: the process ran again, Redis answered with its data, the container's task ended. */
  survived: boolean;
}

/** The chaos run in numbers (bench/results/chaos.md and the test's failure message). */
export interface ChaosFigures {
  seed: number;
  /** How long the kills went on. */
  chaosMinutes: number;
  /** The whole run: chaos, drain, stop and checks. */
  totalMinutes: number;
  kills: Record<KillTarget, number> & { total: number };
  killsSurvived: number;
  /** `gantry run` processes that exited when nobody killed or stopped them. */
  crashes: number;
  tasks: { added: number; merged: number; failed: number; lost: number; failedOtherThanWrong: number };
  mergesOnMain: number;
  mainHeadsSeen: number;
  agentCommits: number;
  doubleMerges: number;
  lostMerges: number;
  lostCommits: number;
  gateBrokenAtMerges: number;
  orphans: number;
  journalGaps: number;
  violations: number;
}

export function chaosFigures(input: {
  seed: number; chaosMs: number; totalMs: number; kills: readonly Kill[]; crashes: number; snapshot: RunSnapshot; violations: readonly Violation[];
}): ChaosFigures {
  const { snapshot, violations, kills } = input;
  const count = (...kinds: ViolationKind[]) => violations.filter((v) => kinds.includes(v.kind)).length;
  const byTarget = Object.fromEntries(KILL_TARGETS.map((target) => [target, kills.filter((k) => k.target === target).length])) as Record<KillTarget, number>;
  const failed = snapshot.tasks.filter((r) => r.state === 'failed');
  return {
    seed: input.seed,
    chaosMinutes: round(input.chaosMs / 60_000),
    totalMinutes: round(input.totalMs / 60_000),
    kills: { ...byTarget, total: kills.length },
    killsSurvived: kills.filter((k) => k.survived).length,
    crashes: input.crashes,
    tasks: {
      added: snapshot.added.length,
      merged: snapshot.tasks.filter((r) => r.state === 'completed').length,
      failed: failed.length,
      lost: count('task-lost'),
      failedOtherThanWrong: failed.filter((r) => !r.task.text.startsWith('wrong ')).length,
    },
    mergesOnMain: snapshot.main.filter((c) => c.tasks.length > 0).length,
    mainHeadsSeen: new Set(snapshot.observedHeads).size,
    agentCommits: snapshot.agentCommits.length,
    doubleMerges: count('double-merge'),
    lostMerges: count('lost-merge'),
    lostCommits: count('lost-commit'),
    gateBrokenAtMerges: count('gate-broken'),
    orphans: count('orphan'),
    journalGaps: count('journal-gap'),
    violations: violations.length,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** One line per figure, for a log or a failure message. */
export function describeFigures(f: ChaosFigures): string {
  return [
    `seed ${f.seed}; ${f.chaosMinutes} min of chaos, ${f.totalMinutes} min in all`,
    `kills ${f.kills.total} (controller ${f.kills.controller}, worker ${f.kills.worker}, container ${f.kills.container}, redis ${f.kills.redis}), survived ${f.killsSurvived}; crashes ${f.crashes}`,
    `tasks added ${f.tasks.added}, merged ${f.tasks.merged}, failed ${f.tasks.failed} (other than wrong: ${f.tasks.failedOtherThanWrong}), lost ${f.tasks.lost}`,
    `merges on main ${f.mergesOnMain}, main heads seen ${f.mainHeadsSeen}, agent commits ${f.agentCommits}`,
    `double merges ${f.doubleMerges}, lost merges ${f.lostMerges}, lost commits ${f.lostCommits}, gate broken at merges ${f.gateBrokenAtMerges}, orphans ${f.orphans}, journal gaps ${f.journalGaps}`,
  ].join('\n');
}
