/**
 * Scale: what each task costs the shared parts when the agents run on
 * `gantry worker`s: Redis commands, bytes through the upstream (served by
 * `gantry upstream serve`'s code, in this process, to count them), CPU of
 * the gate-only controller per merge and of the worker per task. 16 one-note
 * tasks; a controller with no slots (`gantry run --slots 0`) and one worker
 * with 4 slots on this machine's engine. The bench's Redis serves this run
 * alone, so its command count is the run's. Writes
 * bench/results/scale.{json,md}. See bench/README.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { silentLogger } from '../harness/log.ts';
import { journalPath, readJournal } from '../harness/reports/index.ts';
import { startUpstreamServer } from '../harness/upstream/index.ts';
import { removeContainers, withBenchProject } from './harness-run.ts';

const TASKS = 16;
const WORKER_SLOTS = 4;
const SERVER_TOKEN = 'bench-upstream-token-0123456789';
const RESULTS = new URL('./results/', import.meta.url);

export interface ScaleFigures {
  tasks: number;
  merged: number;
  wallMs: number;
  redisCommandsPerTask: number;
  upstreamBytesInPerTask: number;
  upstreamBytesOutPerTask: number;
  upstreamRequestsPerTask: number;
  controllerCpuMsPerMerge: number;
  workerCpuMsPerTask: number;
}

async function redisCommands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

/**
 * The CPU a process has used so far (user + system, ms), looked at every
 * 200 ms until it exits: the last look stands for its total.
 */
function followCpu(pid: number): { last(): number; stop(): void } {
  const ticksPerSecond = 100;
  let last = 0;
  const look = async () => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) return;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    last = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  };
  const timer = setInterval(() => void look(), 200);
  return { last: () => last, stop: () => clearInterval(timer) };
}

export async function measureScale(redisUrl: string): Promise<ScaleFigures> {
  return withBenchProject(redisUrl, { concurrency: WORKER_SLOTS, sessions: 2, retries: 2 }, async (bench) => {
    const { project } = bench;
    const redis = new Redis(redisUrl);
    const server = await startUpstreamServer({ repo: project.upstream, host: '127.0.0.1', port: 0, token: SERVER_TOKEN, redis, prefix: project.prefix, logger: silentLogger });
    try {
      await project.reconfigure({ repo: { url: server.url, tokens: true } });
      await bench.addTasks(Array.from({ length: TASKS }, (_, index) => `note s${String(index).padStart(2, '0')}`));
      const commandsBefore = await redisCommands(redis);
      const trafficBefore = server.traffic();
      const started = Date.now();
      const controller = project.gantry(['run', '--slots', '0', '--until-idle'], { env: { GANTRY_UPSTREAM_TOKEN: SERVER_TOKEN }, timeout: 600_000 });
      const controllerCpu = followCpu(controller.pid ?? 0);
      while ((await redis.exists(`${project.prefix}:config`)) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const worker = project.gantry(['worker', '--redis', redisUrl, '--prefix', project.prefix, '--slots', String(WORKER_SLOTS), '--state', join(project.dir, 'worker')], { timeout: 600_000 });
      const workerCpu = followCpu(worker.pid ?? 0);
      const ended = await controller;
      const wallMs = Date.now() - started;
      controllerCpu.stop();
      if (ended.exitCode !== 0) throw new Error(`gantry run exited ${ended.exitCode}: ${ended.stderr}`);
      worker.kill('SIGTERM');
      await worker;
      workerCpu.stop();
      const traffic = server.traffic();
      const commands = (await redisCommands(redis)) - commandsBefore;
      const run = (await project.run()) ?? '';
      const merged = new Set((await readJournal(journalPath(join(project.dir, 'state'), run))).flatMap((event) => (event.type === 'task.merged' ? [event.task] : []))).size;
      await removeContainers(run);
      return {
        tasks: TASKS, merged, wallMs,
        redisCommandsPerTask: commands / TASKS,
        upstreamBytesInPerTask: (traffic.bytesIn - trafficBefore.bytesIn) / TASKS,
        upstreamBytesOutPerTask: (traffic.bytesOut - trafficBefore.bytesOut) / TASKS,
        upstreamRequestsPerTask: (traffic.requests - trafficBefore.requests) / TASKS,
        controllerCpuMsPerMerge: controllerCpu.last() / Math.max(1, merged),
        workerCpuMsPerTask: workerCpu.last() / TASKS,
      };
    } finally {
      await server.close();
      redis.disconnect();
    }
  });
}

function renderTable(figures: ScaleFigures): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return [
    `# Scale: the shared parts' cost per task (${figures.tasks} one-note tasks, a gate-only controller and one worker with ${WORKER_SLOTS} slots)`,
    '',
    '| figure | per task |',
    '|---|---|',
    `| merged | ${figures.merged} of ${figures.tasks} |`,
    `| Redis commands | ${figures.redisCommandsPerTask.toFixed(0)} |`,
    `| upstream requests | ${figures.upstreamRequestsPerTask.toFixed(1)} |`,
    `| upstream bytes in (pushes, fetch requests) | ${kb(figures.upstreamBytesInPerTask)} |`,
    `| upstream bytes out (fetched packs, refs) | ${kb(figures.upstreamBytesOutPerTask)} |`,
    `| controller CPU per merge | ${figures.controllerCpuMsPerMerge.toFixed(0)} ms |`,
    `| worker CPU per task | ${figures.workerCpuMsPerTask.toFixed(0)} ms |`,
    `| wall time (all tasks) | ${(figures.wallMs / 1000).toFixed(0)} s |`,
    '',
  ].join('\n');
}

export async function benchScale(redisUrl: string): Promise<string> {
  const figures = await measureScale(redisUrl);
  const markdown = renderTable(figures);
  await mkdir(RESULTS, { recursive: true });
  await writeFile(new URL('scale.json', RESULTS), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2)}\n`);
  await writeFile(new URL('scale.md', RESULTS), markdown);
  return markdown;
}
