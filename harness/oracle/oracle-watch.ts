import { join } from 'node:path';
import { messageOf } from '../errors.ts';
import type { ControllerRepo } from '../git/types.ts';
import { withMainTree } from './main-tree.ts';
import { scriptWithEnv } from './mix-script.ts';
import { runOracle, requireOracle, type OracleDeps } from './oracle-run.ts';

/**
 * The automatic trigger: after main moves (a merge batch went in), run the
 * monolithic check (`oracle.check`) on it, one at a time, and when it fails,
 * bisect. Main is polled in the controller's clone, which every merge moves;
 * the last commit checked is kept in Redis so a restarted controller does not
 * check the same main twice.
 */

export interface OracleWatchDeps extends Omit<OracleDeps, 'signal' | 'repo'> {
  repo: OracleDeps['repo'] & Pick<ControllerRepo, 'mainHead'>;
  /** @defaultValue 5000 */
  pollMs?: number;
}

/** The `gantry.task` label of check containers (oracle runs reap only their own). */
const CHECK_LABEL = 'oracle-check';

export class OracleWatch {
  readonly #deps: OracleWatchDeps;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;

  constructor(deps: OracleWatchDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#poll(), this.#deps.pollMs ?? 5_000);
    this.#poll();
  }

  /** Stops polling and stops a check or bisection under way (its probes stay cached). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort(new Error('the controller is stopping'));
    await this.#busy;
  }

  #poll(): void {
    if (this.#busy || this.#stop.signal.aborted) return;
    this.#busy = this.#checkMain()
      .catch((error: unknown) => {
        if (!this.#stop.signal.aborted) this.#deps.logger.error({ err: messageOf(error) }, 'oracle check after merge failed');
      })
      .finally(() => {
        this.#busy = undefined;
      });
  }

  async #checkMain(): Promise<void> {
    const { config, redis, repo, journal, logger, runtime } = this.#deps;
    const oracle = requireOracle(config);
    if (oracle.check === undefined) return;
    const checkedKey = `${config.queue.prefix}:oracle:checked`;
    const head = await repo.mainHead();
    if ((await redis.get(checkedKey)) === head) return;
    const command = oracle.check;
    const treeDeps = { config: { container: config.container, oracle }, runtime, repo, run: journal.run, label: CHECK_LABEL, dir: join(config.stateDir, 'oracle-check') };
    const check = await withMainTree(treeDeps, head, (main) => main.runner.run(scriptWithEnv(oracle, command), { timeoutMs: oracle.timeouts.checkMs, signal: this.#stop.signal }));
    await journal.append({ type: 'oracle.check', commit: head, passed: check.passed, durationMs: check.exit.durationMs });
    if (!check.passed) {
      logger.warn({ commit: head }, 'oracle.check fails on main: bisecting');
      try {
        await runOracle({ ...this.#deps, signal: this.#stop.signal }, { trigger: 'after-merge', commit: head });
      } catch (error) {
        // Stopped midway: the next controller checks this main again and resumes from the probe cache.
        if (!this.#stop.signal.aborted) await redis.set(checkedKey, head);
        throw error;
      }
    }
    await redis.set(checkedKey, head);
  }
}
