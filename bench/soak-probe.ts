/**
 * Loaded into the controller a soak measures, before gantry's own code:
 *   node --expose-gc --import ./bench/soak-probe.ts harness/cli/main.ts run
 * Every GANTRY_PROBE_INTERVAL_MS it collects garbage and appends the process's
 * memory to GANTRY_PROBE_FILE as a JSON line. Collecting first makes the heap
 * figure the live heap: a leak shows as growth of it, not garbage that a later
 * collection would have freed. The timer is unref'd, so it never keeps the
 * controller alive.
 */
import { appendFileSync } from 'node:fs';

/** One line of the probe file. */
export interface ProbeLine {
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

const file = process.env['GANTRY_PROBE_FILE'];
if (file !== undefined) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const probe = () => {
    gc?.();
    const memory = process.memoryUsage();
    const line: ProbeLine = { at: Date.now(), rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal, externalBytes: memory.external };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  probe();
  setInterval(probe, Number(process.env['GANTRY_PROBE_INTERVAL_MS'] ?? 30_000)).unref();
}
