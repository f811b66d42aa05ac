import type { OracleConfig } from '../config/types.ts';
import { runMix } from './mix-probe.ts';
import { OracleError } from './oracle-error.ts';
import { exitReason, type ScriptRun, type ScriptRunner } from './probe-runner.ts';

/**
 * The two probes that say whether bisecting makes sense: the all-oracle mix
 * must pass (else the build or judge is broken) and the all-candidate mix
 * must fail (else there is nothing to find). An unexpected answer is asked
 * again until it leads (see settle), so a flaky judge does not stop a good run.
 * The all-oracle run also records the output `compare` and `custom` judges
 * hold every other mix to.
 */

export interface SanityDeps {
  oracle: OracleConfig;
  runner: ScriptRunner;
  units: readonly string[];
  commit: string;
  signal?: AbortSignal;
}

export interface SanityOutcome {
  /** The all-oracle output (compare and custom judges). */
  expected?: string;
  builds: number;
}

interface Settled {
  /** Whether the majority answered as a good config should. */
  ok: boolean;
  tries: number;
  misses: number;
  last: ScriptRun;
}


export async function sanityProbes(deps: SanityDeps): Promise<SanityOutcome> {
  const { oracle, runner, units, signal } = deps;
  const allOracle = { candidate: [], oracle: units };
  const allCandidate = { candidate: units, oracle: [] };
  const judged = oracle.judge.kind !== 'exit-code';
  // An unexpected answer must lead by more than the bisection trusts (at least 2), as it stops the run.
  const lead = Math.max(2, oracle.confirm + 1);
  const judgeCandidate = (expected?: string) => settle(() => runMix({ oracle, runner, ...(expected === undefined ? {} : { expected }) }, allCandidate, signal), false, lead);
  const reference = settle(() => runMix({ oracle, runner }, allOracle, signal), true, lead);
  // An exit-code judge needs no recorded output, so both sides can run at once.
  const early = judged ? undefined : judgeCandidate();
  const oracleSide = await reference;
  const expected = judged && oracleSide.ok ? oracleSide.last.output : undefined;
  let candidateSide = await early;
  // compare and custom judges need the recorded output: without it the all-candidate mix cannot be judged.
  if (judged && oracleSide.ok) candidateSide = await judgeCandidate(expected);

  const problems: string[] = [];
  if (!oracleSide.ok) {
    problems.push(`the all-oracle mix fails (${oracleSide.misses} of ${oracleSide.tries} tries, last ${exitReason(oracleSide.last.exit)}); it must pass: the oracle side of the build or the judge is broken. Its last output:\n${indent(oracleSide.last.tail)}`);
  }
  if (candidateSide && !candidateSide.ok) {
    problems.push(`the all-candidate mix passes (${candidateSide.misses} of ${candidateSide.tries} tries); it must fail, or there is nothing to bisect: check that the build really uses the candidate for the units in $GANTRY_CANDIDATE_UNITS and that the judge catches the failure`);
  }
  if (problems.length > 0) {
    throw new OracleError('ORACLE_CHECK_FAILED', `oracle check failed on main at ${deps.commit.slice(0, 12)}: ${problems.join('\n')}`, {
      data: { allOracle: oracleSide.ok ? 'pass' : 'fail', allCandidate: candidateSide ? (candidateSide.ok ? 'fail' : 'pass') : 'not run' },
    });
  }
  return { ...(expected === undefined ? {} : { expected }), builds: oracleSide.tries + (candidateSide?.tries ?? 0) };
}

/**
 * The expected answer is taken at once; an unexpected one stands only once it
 * leads by `lead` answers (by a majority when the tries run out), so one flaky
 * answer neither stops a good run nor lets a broken config through.
 */
async function settle(run: () => Promise<ScriptRun>, shouldPass: boolean, lead: number): Promise<Settled> {
  const first = await run();
  if (first.passed === shouldPass) return { ok: true, tries: 1, misses: 0, last: first };
  let expected = 0;
  let tries = 1;
  let unexpected = first;
  let recorded: ScriptRun | undefined;
  while (Math.abs(tries - 2 * expected) < lead && tries < 4 * lead + 1) {
    const next = await run();
    tries += 1;
    if (next.passed === shouldPass) {
      expected += 1;
      recorded = next;
    } else {
      unexpected = next;
    }
  }
  const ok = expected * 2 > tries;
  // A passing all-oracle run is the one whose output gets recorded.
  return { ok, tries, misses: tries - expected, last: ok && recorded ? recorded : unexpected };
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
