import { execa } from 'execa';
import { measureFloor, type FloorResult } from './floor.ts';
import { withBenchProject, withRunLabel } from './harness-run.ts';
import type { TaskPhases } from './journal-timing.ts';
import { ratio, summarize, type Summary } from './stats.ts';

export const IMAGE = 'gantry/agent-base';

export interface OverheadResult {
  tasks: number;
  concurrency: 1;
  floor: FloorResult;
  harness: {
    /** `gantry run --until-idle` with an empty queue: controller start-up and shutdown. */
    startupMs: number;
    /** `gantry run --until-idle` with the tasks queued. */
    runWallMs: number;
    /** (runWallMs − startupMs) / tasks */
    wallPerTaskMs: number;
    /** First attempt.started → last task.merged, divided by tasks: includes the hand-over between tasks. */
    windowPerTaskMs: number;
    /** attempt.started → task.merged, per task. */
    span: Summary;
    /** Mean of each phase over the tasks (see TaskPhases). */
    phasesMeanMs: Omit<TaskPhases, 'task'>;
  };
  ratios: {
    /** Median harness span / median floor: the headline (target ≤ 1.5). */
    spanOverFloor: number;
    windowPerTaskOverFloor: number;
    wallPerTaskOverFloor: number;
  };
}

function meanPhases(tasks: readonly TaskPhases[]): Omit<TaskPhases, 'task'> {
  const mean = (pick: (t: TaskPhases) => number) => Math.round(tasks.reduce((sum, t) => sum + pick(t), 0) / tasks.length);
  return {
    spanMs: mean((t) => t.spanMs),
    prepareMs: mean((t) => t.prepareMs),
    sessionsMs: mean((t) => t.sessionsMs),
    gateMs: mean((t) => t.gateMs),
    testContainerMs: mean((t) => t.testContainerMs),
    mergeMs: mean((t) => t.mergeMs),
  };
}

/** Harness against floor for `tasks` one-note tasks at concurrency 1, on one fixture upstream. */
export async function measureOverhead(redisUrl: string, tasks: number): Promise<OverheadResult> {
  return withBenchProject(redisUrl, { concurrency: 1 }, async (bench) => {
    const floor = await withRunLabel(async (run) => {
      // The first container start pays for cold caches; neither side should.
      await execa('docker', ['run', '--rm', '--label', 'gantry=true', '--label', `gantry.run=${run}`, IMAGE, 'true']);
      return measureFloor({ upstreamUrl: `file://${bench.project.upstream}`, image: IMAGE, run }, tasks);
    });
    const startup = await bench.runUntilIdle();
    await bench.addTasks(Array.from({ length: tasks }, (_, i) => `note bench${i}`));
    const { wallMs, run } = await bench.runUntilIdle();
    const timing = await bench.timing(run, tasks);
    const span = summarize(timing.tasks.map((t) => t.spanMs));
    const wallPerTaskMs = Math.round((wallMs - startup.wallMs) / tasks);
    const windowPerTaskMs = Math.round(timing.windowMs / tasks);
    return {
      tasks,
      concurrency: 1,
      floor,
      harness: {
        startupMs: Math.round(startup.wallMs),
        runWallMs: Math.round(wallMs),
        wallPerTaskMs,
        windowPerTaskMs,
        span,
        phasesMeanMs: meanPhases(timing.tasks),
      },
      ratios: {
        spanOverFloor: ratio(span.medianMs, floor.perTask.medianMs),
        windowPerTaskOverFloor: ratio(windowPerTaskMs, floor.perTask.medianMs),
        wallPerTaskOverFloor: ratio(wallPerTaskMs, floor.perTask.medianMs),
      },
    };
  });
}
