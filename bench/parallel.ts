import { measureParallelFloor } from './floor.ts';
import { withBenchProject, withRunLabel } from './harness-run.ts';
import { IMAGE } from './overhead.ts';
import { ratio, summarize } from './stats.ts';

export interface ParallelLevel {
  concurrency: number;
  tasks: number;
  /** First attempt.started → last task.merged. */
  measuredMs: number;
  /** ceil(tasks / concurrency) × (sleep + floor per task). */
  idealMs: number;
  /** idealMs / measuredMs (target ≥ 0.9 at 16). */
  efficiency: number;
  /** The same tasks by hand (bench/floor.sh), `concurrency` at a time, as one wall-clock span. */
  rawFloorMs: number;
  /** rawFloorMs / measuredMs: the harness against what this machine does at this concurrency. */
  efficiencyVsRawFloor: number;
  /** First attempt.started → last session.ended; measuredMs minus this is the merge tail. */
  sessionsDoneMs: number;
  peakSessions: number;
  /** Per task, the agent container (sleep included). */
  sessionMedianMs: number;
  /** Per task, last session.ended → gate.result: where waiting for the batch ahead shows. */
  gateMedianMs: number;
  gateMaxMs: number;
  testContainerMedianMs: number;
}

/**
 * `slow` tasks (the agent sleeps `sleepSeconds`, then commits), as many as the
 * concurrency and at least four, one fresh project per level; first done by
 * hand as the raw floor, then by the harness.
 */
export async function measureParallel(redisUrl: string, levels: readonly number[], sleepSeconds: number, floorPerTaskMs: number): Promise<ParallelLevel[]> {
  const results: ParallelLevel[] = [];
  for (const concurrency of levels) {
    const tasks = Math.max(4, concurrency);
    const level = await withBenchProject(redisUrl, { concurrency, agentEnv: { SLOW_SECONDS: String(sleepSeconds) } }, async (bench) => {
      const rawFloorMs = await withRunLabel((run) => measureParallelFloor({ upstreamUrl: `file://${bench.project.upstream}`, image: IMAGE, run }, tasks, concurrency, sleepSeconds));
      await bench.addTasks(Array.from({ length: tasks }, (_, i) => `slow par${i}`));
      const { run } = await bench.runUntilIdle();
      const timing = await bench.timing(run, tasks);
      const idealMs = Math.ceil(tasks / concurrency) * (sleepSeconds * 1000 + floorPerTaskMs);
      const gate = summarize(timing.tasks.map((t) => t.gateMs));
      return {
        concurrency,
        tasks,
        measuredMs: timing.windowMs,
        idealMs,
        efficiency: ratio(idealMs, timing.windowMs),
        rawFloorMs,
        efficiencyVsRawFloor: ratio(rawFloorMs, timing.windowMs),
        sessionsDoneMs: timing.sessionsDoneMs,
        peakSessions: timing.peakSessions,
        sessionMedianMs: summarize(timing.tasks.map((t) => t.sessionsMs)).medianMs,
        gateMedianMs: gate.medianMs,
        gateMaxMs: gate.maxMs,
        testContainerMedianMs: summarize(timing.tasks.map((t) => t.testContainerMs)).medianMs,
      };
    });
    console.error(`bench: concurrency ${concurrency}: ${tasks} tasks in ${level.measuredMs} ms, efficiency ${level.efficiency} (vs raw floor ${level.rawFloorMs} ms: ${level.efficiencyVsRawFloor})`);
    results.push(level);
  }
  return results;
}
