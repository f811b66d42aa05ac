import type { OracleConfig } from '../config/types.ts';
import { mixScript, type Mix } from './mix-script.ts';
import type { ScriptRun, ScriptRunner } from './probe-runner.ts';
import type { Probe } from './types.ts';

/**
 * A probe for the bisection engine: the mix with the given units from the
 * candidate and the rest from the oracle, built and judged in a container.
 */

export interface MixProbeDeps {
  oracle: OracleConfig;
  runner: ScriptRunner;
  units: readonly string[];
  /** The all-oracle build's judged output (compare and custom judges). */
  expected?: string;
}

/** Build, judge, a verdict command, and the container's start and copy around them. */
export function mixTimeoutMs(oracle: OracleConfig): number {
  return oracle.timeouts.buildMs + 2 * oracle.timeouts.judgeMs + 60_000;
}

export function mixOf(units: readonly string[], candidate: ReadonlySet<string>): Mix {
  return { candidate: units.filter((unit) => candidate.has(unit)), oracle: units.filter((unit) => !candidate.has(unit)) };
}

/** Runs one mix; `expected` undefined records the output instead of judging it. */
export function runMix(deps: Omit<MixProbeDeps, 'units'>, mix: Mix, signal?: AbortSignal): Promise<ScriptRun> {
  const script = mixScript({ oracle: deps.oracle, mix, ...(deps.expected === undefined ? {} : { expected: deps.expected }) });
  return deps.runner.run(script, { timeoutMs: mixTimeoutMs(deps.oracle), ...(signal ? { signal } : {}) });
}

export function mixProbe(deps: MixProbeDeps): Probe {
  return async (candidate, signal) => ((await runMix(deps, mixOf(deps.units, candidate), signal)).passed ? 'pass' : 'fail');
}
