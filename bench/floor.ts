import { execa } from 'execa';
import { summarize, timed, type Summary } from './stats.ts';

const FLOOR_SCRIPT = new URL('./floor.sh', import.meta.url).pathname;

export interface FloorResult {
  /** One task done by hand (bench/floor.sh): clone, commit in a container, push, test in a container. */
  perTask: Summary;
  /** `docker run --rm <image> true` alone. */
  dockerTrue: Summary;
}

/**
 * The floor, measured `count` times each, one after another. Its containers
 * carry the run label `run` so that cleanup can find them.
 */
export async function measureFloor(upstreamUrl: string, image: string, run: string, count: number): Promise<FloorResult> {
  const dockerTrue: number[] = [];
  const perTask: number[] = [];
  for (let i = 0; i < count; i += 1) {
    dockerTrue.push(await timed(() => execa('docker', ['run', '--rm', '--label', 'gantry=true', '--label', `gantry.run=${run}`, image, 'true'])));
  }
  for (let i = 0; i < count; i += 1) {
    perTask.push(await timed(() => execa('sh', [FLOOR_SCRIPT, upstreamUrl, `floor${i}`, image, run])));
  }
  return { perTask: summarize(perTask), dockerTrue: summarize(dockerTrue) };
}
