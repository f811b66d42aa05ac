import { z } from 'zod';

/**
 * The shape of gantry.yaml. Every field carries a description: the reference
 * in docs/configuration.md is generated from them, so they are written for
 * the person editing the file. Durations are milliseconds; sizes are bytes
 * or the suffixed strings shown.
 *
 * `examples` (JSON Schema's keyword) feeds both the reference and the
 * validation messages ("e.g. `npm test`"); `unit` names what a number counts.
 */

const duration = (what: string, defaultMs: number) =>
  z.number().int().positive().default(defaultMs).describe(`${what}, in milliseconds.`).meta({ unit: 'milliseconds' });

/** Docker's size notation: a whole number, then an optional k, m or g (binary units), optionally followed by `i` and/or `b`. */
export const SIZE_PATTERN = /^(\d+)\s*(?:([kmg])i?)?b?$/i;

export const AgentKind = z
  .enum(['command', 'claude-code', 'codex'])
  .describe('Which agent CLI runs a session: `command` runs `agent.command` with sh; `claude-code` and `codex` drive those CLIs.')
  .meta({ examples: ['command'] });

const dollarsPerMTok = (what: string) =>
  z.number().min(0).describe(`US dollars per million ${what}.`).meta({ unit: 'dollars per million tokens' });

export const PriceSchema = z
  .object({
    input: dollarsPerMTok('prompt tokens not read from the cache'),
    cachedInput: dollarsPerMTok('prompt tokens read from the cache').optional(),
    output: dollarsPerMTok('output tokens (reasoning included)'),
  })
  .strict()
  .describe('What the model\'s tokens cost, for agents whose CLI reports tokens but no cost (codex; required for that kind). Cached prompt tokens cost `input` when `cachedInput` is not set.')
  .meta({ examples: [{ input: 1.25, cachedInput: 0.125, output: 10 }] });

export const AgentSchema = z
  .object({
    kind: AgentKind,
    image: z.string().min(1).default('gantry/agent-base').describe('Docker image a session runs in. It must have git and run as a non-root user.'),
    command: z.string().min(1).optional().describe('Shell command run as the agent for kind `command` (required for that kind); it sees $GANTRY_TASK_FILE (the brief) and $GANTRY_DONE_FILE (touch it to declare the task done).').meta({ examples: ['sh ./scripts/agent.sh'] }),
    model: z.string().min(1).optional().describe('Model name handed to the agent CLI (claude-code, codex).').meta({ examples: ['claude-sonnet-4-5'] }),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables for every session; values are strings (quote numbers). Model keys set here reach the agent container only.').meta({ examples: [{ HTTPS_PROXY: 'http://proxy.internal:3128' }] }),
    price: PriceSchema.optional(),
  })
  .strict()
  .describe('The coding agent every task runs.');

/** A size field: bytes, or a whole number with a unit k, m or g. */
function size(what: string, fallback: string) {
  return z.string().regex(SIZE_PATTERN, 'expected a size (a whole number with an optional unit k, m or g)').default(fallback).describe(`${what}: bytes, or a whole number with a unit k, m or g, e.g. \`512m\`.`);
}

export const ContainerSchema = z
  .object({
    memory: z.string().regex(SIZE_PATTERN, 'expected a size (a whole number with an optional unit k, m or g)').default('2g').describe('Memory limit of an agent container (swap is not allowed): bytes, or a whole number with a unit k, m or g, e.g. `512m`, `2g`; at least `6m`.'),
    cpus: z.number().positive().default(1).describe('CPU limit of an agent container, in cores.'),
    pids: z.number().int().positive().default(512).describe('Maximum number of processes in an agent container.'),
    network: z.string().min(1).default('bridge').describe('Docker network of agent containers: `none` cuts them off entirely; `bridge` lets them reach a model API.'),
    user: z.string().regex(/^\d+:\d+$/, 'expected a numeric uid:gid').default('1000:1000').describe('Numeric uid:gid the agent runs as; never root.'),
    fileSize: size('Largest file a process in an agent container may write (a larger write fails), and largest file a branch may bring in', '1g'),
    disk: size('Most disk a task\'s work tree may use, `.git` included; a session whose work tree grows past it is stopped', '10g'),
    files: z.number().int().positive().default(200_000).describe('Most files and directories a task\'s work tree may hold, `.git` included; a session whose work tree grows past it is stopped.'),
  })
  .strict()
  .default({ memory: '2g', cpus: 1, pids: 512, network: 'bridge', user: '1000:1000', fileSize: '1g', disk: '10g', files: 200_000 })
  .describe('Limits and isolation of agent and test containers.');

const DEFAULT_TRUSTED = [
  '**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**', '**/__tests__/**', 'vitest.config.*', 'vitest.workspace.*', 'jest.config.*',
  '.github/workflows/**', '.gitlab-ci.yml', '.circleci/**', '.buildkite/**', 'Jenkinsfile',
];

export const GateSchema = z
  .object({
    command: z.string().min(1).describe('Shell command that runs the full test suite on the merged result, in a container, before anything reaches main. It writes per-test results in `format` to $GANTRY_RESULTS (or prints them, with `results: stdout`); with format `exit-code` only its exit code counts.').meta({ examples: ['npm test', 'npx vitest run --reporter=json --outputFile=$GANTRY_RESULTS'] }),
    format: z.enum(['vitest', 'jest', 'node-test', 'junit', 'tap', 'gantry', 'exit-code']).default('exit-code').describe('How the suite reports per-test results: `vitest` or `jest` JSON, `node-test` (TAP from `node --test --test-reporter=tap`), `junit` XML, `tap`, `gantry` (gantry\'s own JSON, see ci/README.md), or `exit-code` (no per-test results: exit 0 passes).'),
    results: z.enum(['file', 'stdout']).default('file').describe('Where the results are: the file $GANTRY_RESULTS, or the command\'s standard output.'),
    select: z.string().min(1).optional().describe('Command that runs only some tests, for re-runs of failures and fast samples: `{files}` becomes the test files, `{pattern}` a regular expression matching the chosen test titles. Results go where `command`\'s do.').meta({ examples: ["npx vitest run --reporter=json --outputFile=$GANTRY_RESULTS {files} -t {pattern}"] }),
    image: z.string().min(1).optional().describe('Image the tests run in; defaults to `agent.image`.').meta({ examples: ['gantry/test-node'] }),
    timeout: duration('How long a test run may take before it counts as failed', 600_000),
    trusted: z.array(z.string().min(1)).default(DEFAULT_TRUSTED).describe('Globs of test files, test configuration and CI files. The gate judges every branch with main\'s copies of these, so an agent cannot weaken the tests that judge it. The files `command` and `select` name (`sh test.sh`, `bash scripts/ci.sh`; the Makefile of `make`) are trusted too.'),
    testChanges: z.enum(['deny', 'review', 'allow']).default('review').describe('What happens to a branch that changes trusted files: `deny` rejects it, `review` holds it and queues a critic task to review the change, `allow` merges it (the gate still judges it with main\'s copies).'),
    reruns: z.number().int().min(0).default(2).describe('How many times a failing test is re-run alone before it counts as failed; a test that passes on a re-run is flaky, recorded, and does not reject the branch.'),
    quarantine: z.number().min(0).max(1).default(0.2).describe('Flake rate (share of gate runs in which a test was flaky) past which the test is quarantined: still run and reported, never a reason to reject.'),
    fastBudget: z.number().gt(0).max(1).default(0.05).describe('Share of the full suite\'s time that `gantry-test --fast` spends by default.'),
  })
  .strict()
  .describe('How the merge gate tests a branch.');

export const LimitsSchema = z
  .object({
    sessions: z.number().int().positive().default(5).describe('Most agent sessions one attempt at a task may run before it counts as failed.'),
    sessionTimeout: duration('Longest one agent session may run before it is stopped', 1_800_000),
    taskTimeout: duration('Longest one attempt at a task may run, all sessions together', 7_200_000),
    retries: z.number().int().min(0).default(2).describe('How many more attempts a failed task gets before it is marked failed.'),
    idleTimeout: duration('Longest an agent session may go without a sign of progress (output, a change in its work tree, CPU or network use) before it is stopped as hung and its attempt retried', 600_000),
    branchFiles: z.number().int().positive().default(10_000).describe('Most files one branch may change; a branch that changes more is sent back before the gate.'),
    minFreeDisk: size('Least free space the state directory\'s file system must keep: below it no session or gate run starts, tasks wait without spending an attempt, and the run goes on once space is freed', '1g'),
  })
  .strict()
  .default({ sessions: 5, sessionTimeout: 1_800_000, taskTimeout: 7_200_000, retries: 2, idleTimeout: 600_000, branchFiles: 10_000, minFreeDisk: '1g' })
  .describe('Limits per session and per task.');

export const ShutdownSchema = z
  .object({
    grace: duration('After SIGTERM, how long running sessions may go on before they are stopped', 60_000),
    force: duration('After the grace period, how long stopping may take before the controller exits anyway', 30_000),
  })
  .strict()
  .default({ grace: 60_000, force: 30_000 })
  .describe('How the controller stops.');

export const QueueSchema = z
  .object({
    prefix: z.string().min(1).regex(/^[A-Za-z0-9:_-]+$/, 'expected only letters, digits, :, _ or -').default('gantry').describe('Redis key prefix of every queue and key (letters, digits, `:`, `_`, `-`); runs with different prefixes never see each other.'),
    lease: duration('How long a task lease lasts without a heartbeat (a crashed worker\'s task runs again once it ends)', 30_000),
  })
  .strict()
  .default({ prefix: 'gantry', lease: 30_000 })
  .describe('Queues in Redis (the address comes from REDIS_URL).');

const dollars = (what: string) => z.number().positive().describe(`${what}, in US dollars.`).meta({ unit: 'dollars' });

export const BudgetSchema = z
  .object({
    run: dollars('Most the whole run may spend on agent sessions').meta({ examples: [50] }).optional(),
    perTask: dollars('Most one task may spend, all its attempts together').meta({ examples: [5] }).optional(),
    perRole: z.record(z.string(), dollars('Most the tasks of one role may spend')).default({}).describe('Most the tasks of each role may spend, in US dollars, by role name.').meta({ examples: [{ critic: 5 }] }),
  })
  .strict()
  .default({ perRole: {} })
  .describe('Spending limits. At a limit no new session starts in that scope; sessions already running finish, and the report names the budget that stopped them.');

export const RepoSchema = z
  .object({
    url: z.string().min(1).describe('The upstream repository: a local path (relative to the config file) or any git URL. Merges are pushed here.').meta({ examples: ['./upstream.git'] }),
    main: z.string().min(1).default('main').describe('The branch agents start from and the gate merges into.'),
    tokens: z.boolean().default(false).describe('The upstream is `gantry upstream serve` (docs/scale.md): controllers send its own token (GANTRY_UPSTREAM_TOKEN) with every git call, and workers a token of their own per call that may push only the branch of the task at hand.'),
  })
  .strict()
  .describe('The repository gantry works on.');

export const OracleUnitsSchema = z
  .object({
    glob: z.string().min(1).optional().describe('The files matching this glob, relative to the repository root (`**` crosses folders).').meta({ examples: ['src/**/*.c'] }),
    list: z.array(z.string().min(1)).min(1).optional().describe('The units, written out.').meta({ examples: [['src/lexer.c', 'src/parser.c']] }),
    command: z.string().min(1).optional().describe('Shell command that prints the units, one per line; it runs on main in a probe container.').meta({ examples: ['git ls-files "src/*.c"'] }),
  })
  .strict()
  .describe('What a mix is made of (files, modules, functions): exactly one of `glob`, `list` or `command`.')
  .meta({ examples: [{ glob: 'src/**/*.c' }] });

export const OracleJudgeSchema = z
  .object({
    kind: z.enum(['exit-code', 'compare', 'custom']).default('exit-code').describe('How a mix is judged: `exit-code` passes when `command` exits 0; `compare` passes when `command` prints the same and exits with the same code as it does on the all-oracle build; `custom` leaves it to `verdict`.'),
    command: z.string().min(1).describe('Shell command run after the build, in the same container: the program or test whose result is judged.').meta({ examples: ['./build/prog'] }),
    verdict: z.string().min(1).optional().describe('For kind `custom` (required there): shell command run after `command`, given its output in the file $GANTRY_OUTPUT and the all-oracle build\'s output in $GANTRY_EXPECTED; exit 0 passes.').meta({ examples: ['cmp -s "$GANTRY_OUTPUT" "$GANTRY_EXPECTED"'] }),
  })
  .strict()
  .describe('How a built mix is judged to pass or fail.');

export const OracleTimeoutsSchema = z
  .object({
    build: duration('Longest one build of a mix may take before it counts as failing', 600_000),
    judge: duration('Longest the judge may take before the mix counts as failing', 120_000),
    check: duration('Longest `oracle.check` may take before it counts as failing', 600_000),
  })
  .strict()
  .default({ build: 600_000, judge: 120_000, check: 600_000 })
  .describe('Time limits of the oracle\'s probes.');

export const OracleSchema = z
  .object({
    units: OracleUnitsSchema,
    build: z.string().min(1).describe('Shell command that builds a mix on a copy of main: the units listed in the file $GANTRY_CANDIDATE_UNITS with the candidate (your implementation), those in $GANTRY_ORACLE_UNITS with the oracle (a known-good one); one unit per line. $GANTRY_CANDIDATE and $GANTRY_ORACLE hold the same lists, space-separated.').meta({ examples: ['sh build.sh'] }),
    judge: OracleJudgeSchema,
    image: z.string().min(1).optional().describe('Image the probes run in (it needs the build\'s tools); defaults to `agent.image`.').meta({ examples: ['gantry/oracle-c'] }),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment of every probe, of `check` and `units.command`, and of the reproducers in the tasks\' briefs; values are strings.').meta({ examples: [{ CFLAGS: '-O2' }] }),
    parallel: z.number().int().min(1).max(64).default(4).describe('How many probes (one build and judge each) run at once.'),
    confirm: z.number().int().min(1).max(10).default(2).describe('How far one verdict must lead the other, in answers for the same mix, before a culprit is accepted; once two answers for one mix disagree (a flaky build or judge) every probe needs this lead. 1 trusts single answers: the fewest builds, for a deterministic build and judge.'),
    role: z.string().min(1).default('core').describe('Role of the tasks the oracle makes, one per culprit.'),
    check: z.string().min(1).optional().describe('The monolithic check: a shell command run on main in a probe container after every merge (at most one at a time); when it fails, an oracle run starts.').meta({ examples: ['sh build-all.sh && ./build/prog --self-test'] }),
    timeouts: OracleTimeoutsSchema,
  })
  .strict()
  .describe('Oracle bisection (docs/oracle.md): when one check fails as a whole, build mixes of units from the candidate and from a known-good oracle, find the units that cause the failure, and make a task of each.')
  .meta({ examples: [{ units: { glob: 'src/*.c' }, build: 'sh build.sh', judge: { kind: 'compare', command: './build/prog' } }] });

export const RolesSettingsSchema = z
  .object({
    dir: z.string().min(1).optional().describe('Folder of the project\'s role files (one NAME.yaml a role), relative to the config file. They add roles, or replace the built-in role of the same name (core, dedup, perf, critic, docs); see docs/roles.md.').meta({ examples: ['./roles'] }),
    sources: z.array(z.string().min(1)).default([]).describe('Roles whose task sources run while the controller does (each role file\'s `source`: failing tests for `core`, duplicates for `dedup`, a review of the last merges for `critic`, stale docs for `docs`); the others get tasks only from `gantry task add`, the gate and the oracle.').meta({ examples: [['core', 'dedup']] }),
    overlap: z.enum(['wait', 'run']).default('wait').describe('When a task declares a file (its `files`, e.g. `task add --files`) that a running task declared too: `wait` holds it back until that task ends (it spends no attempt), so the two cannot collide; `run` starts it anyway, and each brief names the other task.'),
    scope: z.enum(['reject', 'flag']).default('reject').describe('What happens to a branch that changes files outside its role\'s `scope.owns`, or inside its `scope.avoid`: `reject` sends it back with the files named (the agent puts them back), `flag` merges it if the tests pass and the report names the files.'),
  })
  .strict()
  .default({ scope: 'reject', sources: [], overlap: 'wait' })
  .describe('Specialist roles: where the project\'s role files are and how their scopes are enforced.');

export const ServerSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Whether `gantry run` serves the dashboard, the JSON API and /metrics (docs/api.md).'),
    host: z.string().min(1).default('127.0.0.1').describe('Address the server listens on. Anything but loopback (127.0.0.1, ::1, localhost) needs a token on every request. The environment variable GANTRY_SERVER_HOST overrides it.').meta({ examples: ['0.0.0.0'] }),
    port: z.number().int().min(0).max(65535).default(7340).describe('TCP port of the server; 0 takes any free one (the address is in `<stateDir>/dashboard.json`). GANTRY_SERVER_PORT overrides it. When the port is taken (another controller on this machine), the run goes on without a server and says so.'),
    token: z.string().min(16, 'is shorter than 16 characters: use a long random string, e.g. `openssl rand -base64 24`').optional().describe('The token every request must carry ("Authorization: Bearer <token>", or the cookie a browser gets from `?token=`). Without one, a server bound off loopback makes a random token at each start. GANTRY_SERVER_TOKEN is read when this is absent, and keeps it out of the file.'),
  })
  .strict()
  .default({ enabled: true, host: '127.0.0.1', port: 7340 })
  .describe('The dashboard and its HTTP API (docs/api.md).');

export const ConfigSchema = z
  .object({
    repo: RepoSchema,
    concurrency: z.number().int().min(1).max(256).default(4).describe('How many tasks run at once, all roles together (worker slots); each role also keeps to its own `count`, and when slots are short, roles with a higher `priority` start first (docs/roles.md).'),
    stateDir: z.string().min(1).default('.gantry').describe('Where the controller keeps its clone, work trees, runs and logs; relative to the config file.'),
    agent: AgentSchema,
    gate: GateSchema,
    limits: LimitsSchema,
    container: ContainerSchema,
    queue: QueueSchema,
    shutdown: ShutdownSchema,
    budget: BudgetSchema,
    roles: RolesSettingsSchema,
    oracle: OracleSchema.optional(),
    server: ServerSchema,
  })
  .strict()
  .describe('gantry.yaml');

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.output<typeof ConfigSchema>;
