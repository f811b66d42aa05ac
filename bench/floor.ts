import { execa } from 'execa';
import { summarize, timed, type Summary } from './stats.ts';

const FLOOR_SCRIPT = new URL('./floor.sh', import.meta.url).pathname;

export interface FloorResult {
  /** One task done by hand (bench/floor.sh): clone, commit in a container, push, test in a container. */
  perTask: Summary;
  /** `docker run --rm <image> true` alone. */
  dockerTrue: Summary;
}

/** Where the floor runs: its upstream, image, and the run label its containers carry so that cleanup finds them. */
export interface FloorTarget {
  upstreamUrl: string;
  image: string;
  run: string;
}

/** One task by hand; its committing container sleeps `sleepSeconds` first. */
function floorTask(target: FloorTarget, name: string, sleepSeconds: number): Promise<unknown> {
  return execa('sh', [FLOOR_SCRIPT, target.upstreamUrl, name, target.image, target.run], { env: { FLOOR_SLEEP: String(sleepSeconds) } });
}

/** The floor, measured `count` times each, one after another. */
export async function measureFloor(target: FloorTarget, count: number): Promise<FloorResult> {
  const dockerTrue: number[] = [];
  const perTask: number[] = [];
  for (let i = 0; i < count; i += 1) {
    dockerTrue.push(await timed(() => execa('docker', ['run', '--rm', '--label', 'gantry=true', '--label', `gantry.run=${target.run}`, target.image, 'true'])));
  }
  for (let i = 0; i < count; i += 1) {
    perTask.push(await timed(() => floorTask(target, `floor${i}`, 0)));
  }
  return { perTask: summarize(perTask), dockerTrue: summarize(dockerTrue) };
}

/**
 * The raw parallel floor: `tasks` floor tasks, `concurrency` at a time, as
 * one wall-clock span. It is what the machine itself costs when that many
 * containers start together, with no harness in the way.
 */
export async function measureParallelFloor(target: FloorTarget, tasks: number, concurrency: number, sleepSeconds: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks; i = next++) await floorTask(target, `par${i}`, sleepSeconds);
  };
  return Math.round(await timed(() => Promise.all(Array.from({ length: Math.min(concurrency, tasks) }, worker))));
}
