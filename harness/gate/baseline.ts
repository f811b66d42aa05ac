import type { Redis } from 'ioredis';
import { GateError } from '../errors.ts';
import type { SuiteRun } from './results/types.ts';

/**
 * Main's per-test results by commit, for the ratchet. The gate's run on a
 * merged tip is the baseline of the main it becomes, so main is rarely tested
 * twice. Only the last few commits are kept: a gate compares against current
 * main, and a suite's results can be megabytes.
 */

export interface BaselineStoreOptions {
  /** How many commits' results are kept. @defaultValue 20 */
  keep?: number;
}

/**
 * KEYS: runs hash, order zset, sequence. ARGV: commit, JSON, keep.
 * One script, so concurrent saves cannot trim each other's entries halfway.
 */
const SAVE = `
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
local stale = redis.call('ZRANGE', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
if #stale > 0 then
  redis.call('HDEL', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
return #stale
`;

export class BaselineStore {
  readonly #redis: Redis;
  readonly #keep: number;
  readonly #runsKey: string;
  readonly #orderKey: string;
  readonly #seqKey: string;

  constructor(redis: Redis, prefix: string, options: BaselineStoreOptions = {}) {
    const keep = options.keep ?? 20;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new GateError('CONFIG_INVALID', `BaselineStore keep must be a whole number ≥ 1, got ${keep}: keep at least the current main's results`);
    }
    this.#redis = redis;
    this.#keep = keep;
    this.#runsKey = `${prefix}:baseline:runs`;
    this.#orderKey = `${prefix}:baseline:order`;
    this.#seqKey = `${prefix}:baseline:seq`;
  }

  /** Stores the results of `mainCommit` (replacing earlier ones) and drops all but the newest `keep` commits. */
  async save(mainCommit: string, run: SuiteRun): Promise<void> {
    await this.#redis.eval(SAVE, 3, this.#runsKey, this.#orderKey, this.#seqKey, mainCommit, JSON.stringify(run), String(this.#keep));
  }

  async load(mainCommit: string): Promise<SuiteRun | undefined> {
    const json = await this.#redis.hget(this.#runsKey, mainCommit);
    return json === null ? undefined : parseRun(json, `${this.#runsKey} field ${mainCommit}`);
  }

  /** The most recently saved results, or undefined when none are stored. */
  async latest(): Promise<{ commit: string; run: SuiteRun } | undefined> {
    const [commit] = await this.#redis.zrange(this.#orderKey, '-1', '-1');
    if (commit === undefined) return undefined;
    const run = await this.load(commit);
    return run === undefined ? undefined : { commit, run };
  }
}

function parseRun(json: string, where: string): SuiteRun {
  let run: Partial<SuiteRun> | undefined;
  try {
    run = JSON.parse(json) as Partial<SuiteRun>;
  } catch {
    run = undefined;
  }
  if (!Array.isArray(run?.tests) || typeof run.durationMs !== 'number') {
    throw new GateError('GATE_FAILED', `Stored baseline in Redis ${where} is not a suite run (no tests array or durationMs): HDEL it so the gate tests main again`, {
      data: { where },
    });
  }
  return run as SuiteRun;
}
