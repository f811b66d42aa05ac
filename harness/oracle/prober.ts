import { setImmediate as nextTurn } from 'node:timers/promises';
import { OracleError } from './oracle-error.ts';
import { answerKey, probeKey } from './probe-key.ts';
import type { Probe, ProbeCache, ProbeEvent, Verdict } from './types.ts';

export interface ProberOptions {
  probe: Probe;
  parallel: number;
  cache?: ProbeCache | undefined;
  signal?: AbortSignal | undefined;
  onProbe?: ((event: ProbeEvent) => void) | undefined;
}

interface Votes {
  pass: number;
  fail: number;
}

interface Request {
  key: string;
  set: readonly string[];
  /** Which answer of this set it is (0 = the first): repeats have cache keys of their own. */
  index: number;
  done: Array<() => void>;
}

/**
 * Answers questions about mixes, in rounds. The search runs as concurrent
 * async steps that each `ask`; when every step is waiting for an answer, up
 * to `parallel` questions are probed at once (one round) and the steps go on.
 * Cached answers take a slot of their round like built ones, so a resumed
 * run asks exactly the questions the killed run asked and reuses them all.
 */
export class Prober {
  builds = 0;
  probes = 0;
  rounds = 0;
  readonly #options: ProberOptions;
  readonly #votes = new Map<string, Votes>();
  readonly #pending: Request[] = [];
  #distrusted = false;

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  /** Two answers for one set disagreed, or the answers contradict each other: the build or judge is flaky. */
  get flaky(): boolean {
    return this.#distrusted;
  }

  /** Marks the answers as untrustworthy from now on (evidence the search found itself). */
  distrust(): void {
    this.#distrusted = true;
  }

  /** The verdict of `set` once one verdict leads the other by `lead` answers (more probes of the same set until then). */
  async ask(set: readonly string[], lead = 1): Promise<Verdict> {
    const key = probeKey(set);
    for (;;) {
      const votes = this.#votes.get(key) ?? { pass: 0, fail: 0 };
      const margin = Math.abs(votes.fail - votes.pass);
      if (margin >= lead) return votes.fail > votes.pass ? 'fail' : 'pass';
      // The answers still missing if they agree, all in this round: a repeat costs a build either way, but not a round.
      const asked = votes.pass + votes.fail;
      await Promise.all(Array.from({ length: lead - margin }, (_, i) => this.#request(key, set, asked + i)));
    }
  }

  /** The answers so far for `set`, without probing. */
  votes(set: readonly string[]): Readonly<Votes> {
    return this.#votes.get(probeKey(set)) ?? { pass: 0, fail: 0 };
  }

  /** Runs `search`, answering its questions round by round, and returns what it returns. */
  async run<T>(search: () => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    void search().then((value) => (outcome = { value }), (error: unknown) => (outcome = { error }));
    for (;;) {
      // Every continuation of the search is a microtask: one macrotask turn later, each step waits on an answer or the search is over.
      await nextTurn();
      if (outcome) break;
      this.#options.signal?.throwIfAborted();
      if (this.#pending.length === 0) throw new OracleError('ILLEGAL_STATE', 'oracle search stalled with no question pending: this is a bug in harness/oracle');
      await this.#answer(this.#pending.splice(0, this.#options.parallel));
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  #request(key: string, set: readonly string[], index: number): Promise<void> {
    return new Promise((resolve) => {
      const same = this.#pending.find((r) => r.key === key && r.index === index);
      if (same) same.done.push(resolve);
      else this.#pending.push({ key, set: [...set].sort(), index, done: [resolve] });
    });
  }

  async #answer(batch: readonly Request[]): Promise<void> {
    const { cache, probe, signal, onProbe } = this.#options;
    const cached = await Promise.all(batch.map((r) => cache?.get(answerKey(r.key, r.index))));
    if (cached.some((verdict) => verdict === undefined)) this.rounds += 1;
    const round = this.rounds;
    const answers = await Promise.all(batch.map(async (request, i) => {
      const known = cached[i];
      if (known !== undefined) return { request, verdict: known, cached: true };
      const verdict = await probe(new Set(request.set), signal);
      if (verdict !== 'pass' && verdict !== 'fail') {
        throw new OracleError('ORACLE_INVALID', `the oracle probe answered ${JSON.stringify(verdict)} for a mix of ${request.set.length} candidate units: a probe must resolve to 'pass' or 'fail'`);
      }
      this.builds += 1;
      await cache?.set(answerKey(request.key, request.index), verdict);
      return { request, verdict, cached: false };
    }));
    signal?.throwIfAborted();
    for (const { request, verdict, cached: fromCache } of answers) {
      this.probes += 1;
      const votes = this.#votes.get(request.key) ?? { pass: 0, fail: 0 };
      votes[verdict] += 1;
      this.#votes.set(request.key, votes);
      if (votes.pass > 0 && votes.fail > 0) this.#distrusted = true;
      onProbe?.({ set: request.set, verdict, cached: fromCache, round });
      for (const done of request.done) done();
    }
  }
}
