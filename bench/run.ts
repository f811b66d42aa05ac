/**
 * `npm run bench [-- --minutes N --chaos-minutes M]`: the gate economy and the oracle bisection
 * (simulated, pure computation), the fast sample (regressions
 * `gantry-test --fast` catches on a generated vitest project), the harness's overhead against doing the same
 * work by hand and its parallel efficiency, measured in one run on this
 * machine, coordination (40 scripted tasks at 8 agents: conflicts, duplicate
 * work, merge success), scale (what each task costs Redis, the upstream and
 * the controller when a worker runs it), the soak (a controller fed tasks for N minutes,
 * default 30: its memory and disk use), and last the chaos run (M minutes,
 * default 30, of kills: the controller, a worker, agent containers and
 * Redis; then every invariant checked). Writes
 * bench/results/gate-economy.{json,md}, bisect.{json,md}, fast-sample.{json,md},
 * overhead.{json,md}, coordination.{json,md}, scale.{json,md}, soak.{json,md} and
 * chaos.{json,md} and prints the tables. See bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { benchBisect } from './bisect.ts';
import { benchChaos, chaosOptions } from './chaos.ts';
import { benchCoordination } from './coordination.ts';
import { benchFastSample } from './fast-sample.ts';
import { benchGateEconomy } from './gate-economy.ts';
import { machineFacts } from './machine.ts';
import { measureOverhead } from './overhead.ts';
import { measureParallel } from './parallel.ts';
import { renderResults } from './results-table.ts';
import { benchScale } from './scale.ts';
import { runSoak, soakMinutes, writeSoakResults } from './soak.ts';

const OVERHEAD_TASKS = 6;
const PARALLEL_LEVELS = [1, 4, 8, 16];
const SLEEP_SECONDS = 5;
const RESULTS = new URL('./results/', import.meta.url);
const SOAK_MINUTES = soakMinutes(process.argv.slice(2));
const CHAOS = chaosOptions(process.argv.slice(2));

console.error('bench: gate economy (simulated)');
console.log(await benchGateEconomy());
console.error('bench: oracle bisection (simulated judge)');
console.log(await benchBisect());
console.error('bench: fast sample (a generated vitest project, 100 regressions)');
console.log(await benchFastSample());

const redis = await startRedisServer(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
try {
  const started = new Date();
  const machine = await machineFacts();
  console.error(`bench: overhead, ${OVERHEAD_TASKS} tasks at concurrency 1`);
  const overhead = await measureOverhead(redis.url, OVERHEAD_TASKS);
  console.error(`bench: harness ${overhead.ratios.spanOverFloor}× the floor; parallel levels ${PARALLEL_LEVELS.join(', ')}`);
  const parallel = await measureParallel(redis.url, PARALLEL_LEVELS, SLEEP_SECONDS, overhead.floor.perTask.medianMs);
  const markdown = renderResults(machine, overhead, parallel, SLEEP_SECONDS);
  await mkdir(RESULTS, { recursive: true });
  const json = { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), machine, overhead, parallel: { sleepSeconds: SLEEP_SECONDS, levels: parallel } };
  await writeFile(new URL('overhead.json', RESULTS), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(new URL('overhead.md', RESULTS), markdown);
  console.log(markdown);
  console.error('bench: coordination, 40 scripted tasks at 8 agents');
  console.log(await benchCoordination(redis.url));
  console.error('bench: scale, 16 tasks on a worker beside a gate-only controller');
  console.log(await benchScale(redis.url));
  console.error(`bench: soak, ${SOAK_MINUTES} minutes`);
  const soak = await runSoak({ redisUrl: redis.url, minutes: SOAK_MINUTES, log: (line) => console.error(`bench: soak ${line}`) });
  console.log(await writeSoakResults(soak));
} finally {
  await redis.stop();
}

// The chaos run kills a Redis of its own, so it runs after the shared one is gone.
console.error(`bench: chaos, ${CHAOS.minutes} minutes`);
console.log(await benchChaos(CHAOS, (line) => console.error(`bench: chaos ${line}`)));
