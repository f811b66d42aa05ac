import { createHash } from 'node:crypto';
import type { OracleConfig } from '../config/types.ts';
import { shellQuote } from '../gate/shell-quote.ts';

/**
 * The shell script that builds and judges one mix. A probe container runs it
 * and a culprit's task brief quotes it as the reproducer, so what an agent
 * runs by hand is exactly what the bisection judged. It is self-contained:
 * the unit lists, the probe environment and (for `compare` and `custom`
 * judges) the all-oracle output are written into it.
 */

export interface Mix {
  /** Units built by the candidate. */
  candidate: readonly string[];
  /** Units built by the oracle. */
  oracle: readonly string[];
}

export interface MixScriptInput {
  oracle: OracleConfig;
  mix: Mix;
  /** The all-oracle build's judged output; absent when recording it (or for an `exit-code` judge). */
  expected?: string;
}

/** Past the time limit, `timeout` sends TERM, then KILL this much later. */
const KILL_AFTER_S = 10;

export function mixScript(input: MixScriptInput): string {
  const { oracle, mix, expected } = input;
  return [
    '#!/bin/sh',
    `# gantry oracle mix: ${describeMix(mix)}. Run it from the repository root.`,
    'gantry_dir="$(mktemp -d)"',
    heredoc('"$gantry_dir/candidate"', unitLines(mix.candidate)),
    heredoc('"$gantry_dir/oracle"', unitLines(mix.oracle)),
    'export GANTRY_CANDIDATE_UNITS="$gantry_dir/candidate" GANTRY_ORACLE_UNITS="$gantry_dir/oracle"',
    'export GANTRY_CANDIDATE="$(paste -sd " " "$GANTRY_CANDIDATE_UNITS")" GANTRY_ORACLE="$(paste -sd " " "$GANTRY_ORACLE_UNITS")"',
    // A probe names a file the controller reads back; by hand the output stays in the temp dir.
    'export GANTRY_OUTPUT="${GANTRY_OUTPUT:-$gantry_dir/output}"',
    ...(expected === undefined ? [] : [heredoc('"$gantry_dir/expected"', expected), 'export GANTRY_EXPECTED="$gantry_dir/expected"']),
    ...envExports(oracle),
    limited(oracle.build, oracle.timeouts.buildMs, 'the build'),
    ...judgeLines(oracle, expected !== undefined),
    'echo "gantry oracle: the mix passes" >&2',
    '',
  ].join('\n');
}

/** A command of the oracle's (the unit listing, the check) with `oracle.env` exported, as the probes have it. */
export function scriptWithEnv(oracle: OracleConfig, command: string): string {
  return ['#!/bin/sh', ...envExports(oracle), command, ''].join('\n');
}

function envExports(oracle: OracleConfig): string[] {
  return Object.entries(oracle.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
}

/** "candidate for src/a.c, oracle for the other 39 units" */
export function describeMix(mix: Mix): string {
  if (mix.candidate.length === 0) return `oracle for all ${mix.oracle.length} units`;
  if (mix.oracle.length === 0) return `candidate for all ${mix.candidate.length} units`;
  const named = mix.candidate.length <= 8 ? mix.candidate.join(', ') : `${mix.candidate.length} units`;
  return `candidate for ${named}, oracle for the other ${mix.oracle.length} units`;
}

function judgeLines(oracle: OracleConfig, judging: boolean): string[] {
  const { kind, command, verdict } = oracle.judge;
  if (kind === 'exit-code') return [limited(command, oracle.timeouts.judgeMs, 'the judge')];
  const run = `timeout -k ${KILL_AFTER_S} ${seconds(oracle.timeouts.judgeMs)} sh -c ${shellQuote(command)} > "$GANTRY_OUTPUT"`;
  // compare judges the exit code too: a crash with the right output so far is still wrong.
  const output = kind === 'compare' ? [`${run}; echo "[exit $?]" >> "$GANTRY_OUTPUT"`] : [`${run} || true`];
  if (!judging) return output;
  const differs = 'echo "gantry oracle: the output differs from the all-oracle build\'s:" >&2; diff "$GANTRY_EXPECTED" "$GANTRY_OUTPUT" | head -n 40 >&2; exit 1';
  const decide = kind === 'compare' ? `cmp -s "$GANTRY_EXPECTED" "$GANTRY_OUTPUT" || { ${differs}; }` : limited(verdict ?? 'false', oracle.timeouts.judgeMs, 'the verdict');
  return [...output, decide];
}

/** Runs `command` under a time limit; a failure ends the script, saying which step failed. */
function limited(command: string, ms: number, what: string): string {
  return `timeout -k ${KILL_AFTER_S} ${seconds(ms)} sh -c ${shellQuote(command)} || { code=$?; echo "gantry oracle: ${what} failed (exit $code$([ $code -eq 124 ] && echo ', timed out'))" >&2; exit 1; }`;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function unitLines(units: readonly string[]): string {
  return units.map((unit) => `${unit}\n`).join('');
}

/** `cat > file` of `text` exactly, with a delimiter no line of it can equal. */
function heredoc(file: string, text: string): string {
  const delimiter = `GANTRY_${createHash('sha256').update(text).digest('hex').slice(0, 12).toUpperCase()}`;
  if (text === '') return `: > ${file}`;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  // A last line without a newline must stay without one: printf adds none.
  const trimmed = text.endsWith('\n') ? '' : ` && printf %s "$(cat ${file})" > ${file}.tmp && mv ${file}.tmp ${file}`;
  return `cat > ${file} <<'${delimiter}'${trimmed}\n${body}${delimiter}`;
}
