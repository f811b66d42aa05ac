import { parseArgs } from 'node:util';

export const USAGE = `usage: gantry-test [--fast] [--seed N] [--budget 5%|0.05] [--dry-run]
  (no option)   run the full suite, as the merge gate does
  --fast        run a seeded sample: recent failures, tests of changed files, then a spread of the rest
  --seed N      sample with this seed (printed by every --fast run, to repeat it)
  --budget B    share of the full suite's time to spend, as 5% or 0.05 (default: gate.fastBudget)
  --dry-run     print what would run, run nothing`;

export interface GantryTestOptions {
  fast: boolean;
  seed?: number;
  budget?: number;
  dryRun: boolean;
  help: boolean;
}

/** A mistake in how gantry-test was called or set up: printed with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseOptions(argv: readonly string[]): GantryTestOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        fast: { type: 'boolean', default: false },
        seed: { type: 'string' },
        budget: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  return {
    fast: values.fast,
    dryRun: values['dry-run'],
    help: values.help,
    ...(values.seed === undefined ? {} : { seed: parseSeed(values.seed) }),
    ...(values.budget === undefined ? {} : { budget: parseBudget(values.budget) }),
  };
}

function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, got "${text}"`);
  return Number(text);
}

/** `5%` or `0.05`: both mean a twentieth of the full suite's time. */
export function parseBudget(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number.NaN;
  if (!(value > 0 && value <= 1)) throw new UsageError(`--budget must be a share of the suite's time in (0, 1] or (0%, 100%], e.g. 5% or 0.05; got "${text}"`);
  return value;
}
