import { mulberry32 } from '../../harness/gate/prng.ts';
import type { Probe } from '../../harness/oracle/index.ts';

/** Unit names u0000 … so that sorted order is numeric order. */
export function unitNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `u${String(i).padStart(4, '0')}`);
}

/** `count` distinct units drawn with `random`. */
export function drawUnits(units: readonly string[], count: number, random: () => number): string[] {
  const pool = [...units];
  const drawn: string[] = [];
  while (drawn.length < count && pool.length > 0) drawn.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return drawn;
}

export interface SimulatedJudge {
  probe: Probe;
  /** Probes answered. */
  calls: number;
}

/**
 * The failure model of issue 7: a mix fails iff it holds every unit of at
 * least one culprit set. With `flakeRate`, each answer is flipped with that
 * probability (drawn from `seed`).
 */
export function simulatedJudge(culprits: readonly (readonly string[])[], options: { flakeRate?: number; seed?: number } = {}): SimulatedJudge {
  const random = mulberry32(options.seed ?? 1);
  const flakeRate = options.flakeRate ?? 0;
  const judge: SimulatedJudge = {
    calls: 0,
    probe: async (candidate) => {
      judge.calls += 1;
      const fails = culprits.some((set) => set.every((unit) => candidate.has(unit)));
      const flipped = flakeRate > 0 && random() < flakeRate;
      return fails !== flipped ? 'fail' : 'pass';
    },
  };
  return judge;
}
