import { describe, expect, it } from 'vitest';
import { describeFigures } from './chaos-figures.ts';
import { runChaos } from './chaos.ts';

const MIN_MINUTES = 5;
const MIN_KILLS = 15;

describe('the chaos run', () => {
  it(`when the controller, a worker, agent containers and Redis are killed at random for ${MIN_MINUTES} minutes, every invariant holds`, async () => {
    // CHAOS_SEED=<n> repeats a run's kill schedule (the seed is printed first).
    const seed = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);
    const result = await runChaos({
      minMinutes: MIN_MINUTES, minKills: MIN_KILLS, keepOnFailure: true,
      ...(seed === undefined ? {} : { seed }),
      log: (line) => console.log(`chaos: ${line}`),
    });
    const summary = [
      describeFigures(result.figures),
      ...result.problems,
      ...result.violations.map((v) => `${v.invariant} (${v.kind}): ${v.message}`),
      ...(result.keptAt ? [`logs and state kept in ${result.keptAt}`] : []),
    ].join('\n');
    console.log(summary);

    expect(result.figures.chaosMinutes, summary).toBeGreaterThanOrEqual(MIN_MINUTES);
    expect(result.figures.kills.total, summary).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(result.violations, summary).toEqual([]);
    expect(result.problems, summary).toEqual([]);
    expect(result.figures.killsSurvived, summary).toBe(result.figures.kills.total);
  }, 540_000);
});
