import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Options, type Result } from 'execa';
import { journalPath, readJournal, type JournalEvent, type RunReport } from '../../harness/reports/index.ts';
import { mergedTaskIds } from './main-history.ts';
import { freePort } from './redis-server.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
/** What docker-compose.yml runs; images/build-offline.sh builds them all. */
const IMAGES = ['gantry/redis', 'gantry/controller', 'gantry/agent-base', 'gantry/claude-code'];
/** Files the controller image copies from the checkout: an image older than them runs another demo. */
const DEMO_FILES = ['examples/demo/start.sh', 'examples/demo/gantry.yaml', 'examples/demo/tasks.txt'];

/**
 * Fails at once, saying what to do, when an image the compose file needs is
 * missing or the controller image holds another version of the demo.
 */
export async function requireComposeImages(): Promise<void> {
  for (const image of IMAGES) {
    const inspect = await execa('docker', ['image', 'inspect', image], { reject: false });
    if (inspect.exitCode !== 0) throw new Error(`image ${image} is missing: run images/build-offline.sh first`);
  }
  const inImage = await execa('docker', ['run', '--rm', '--label', 'gantry=true', '--entrypoint', 'sha256sum', 'gantry/controller', ...DEMO_FILES]);
  const here = await execa('sha256sum', DEMO_FILES, { cwd: ROOT });
  if (inImage.stdout.trim() !== here.stdout.trim()) {
    throw new Error('gantry/controller holds another version of examples/demo than this checkout: run images/build-offline.sh to rebuild it');
  }
}

/** A compose project of its own (name, state directory, agent network), the demo's as the compose file sets it up. */
export interface ComposeStack {
  project: string;
  /** The host port the dashboard is published on (127.0.0.1 only). */
  dashboardPort: number;
  /** GANTRY_STATE: the same path on the host and in the controller. */
  state: string;
  /** `docker-compose -p <project> …` with this stack's environment; never rejects. */
  compose(args: string[], options?: Options): Promise<Result>;
  /** `gantry …` in the controller container, with its default config ($GANTRY_STATE/gantry.yaml). */
  gantry(args: string[]): Promise<Result>;
  report(): Promise<RunReport>;
  /** The controller's log lines that hold `text`. */
  logLines(text: string): Promise<string[]>;
  /** Task ids of the `Gantry-Task:` trailers on the demo upstream's main, one a merge. */
  mergedOnMain(): Promise<string[]>;
  /** The demo run's id, from its folder in the state directory. */
  run(): Promise<string | undefined>;
  /** The demo run's journal, read on the host. */
  journal(): Promise<JournalEvent[]>;
  /** Ids of the containers, running or not, that carry the demo run's label. */
  runContainers(): Promise<string[]>;
  /** `down -v --remove-orphans`, then whatever the run left, then the state directory. */
  teardown(): Promise<void>;
}

export async function makeComposeStack(): Promise<ComposeStack> {
  const tag = randomBytes(4).toString('hex');
  const project = `gantry-test-${tag}`;
  const state = await mkdtemp(join(tmpdir(), 'gantry-compose-'));
  // Set to '' so that a developer's own key or repository never turns the test into a real run.
  const dashboardPort = await freePort();
  const env = {
    GANTRY_STATE: state, GANTRY_NETWORK: `${project}-agents`, GANTRY_REPO: '', GANTRY_CONFIG: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '',
    GANTRY_DASHBOARD_PORT: String(dashboardPort),
  };
  const compose = (args: string[], options: Options = {}) => execa('docker-compose', ['-p', project, '-f', COMPOSE_FILE, ...args], { env, reject: false, ...options }) as Promise<Result>;
  const upstream = join(state, 'demo', 'upstream.git');
  const demoState = join(state, 'demo', 'state');
  const runsDir = join(demoState, 'runs');

  const stack: ComposeStack = {
    project,
    dashboardPort,
    state,
    compose,
    gantry: (args) => compose(['exec', '-T', 'controller', 'gantry', ...args]),
    async report() {
      const result = await stack.gantry(['report', '--format', 'json']);
      if (result.exitCode !== 0) throw new Error(`gantry report exited ${result.exitCode}: ${String(result.stderr)}`);
      return JSON.parse(String(result.stdout)) as RunReport;
    },
    async logLines(text) {
      const { stdout } = await compose(['logs', '--no-color', 'controller']);
      return String(stdout).split('\n').filter((line) => line.includes(text));
    },
    async mergedOnMain() {
      const log = await execa('git', ['--git-dir', upstream, 'log', '--first-parent', '--format=%b%x1e', 'main'], { reject: false });
      return mergedTaskIds(String(log.stdout).split('\x1e').map((body) => ({ body })));
    },
    async run() {
      return (await readdir(runsDir).catch(() => [] as string[]))[0];
    },
    async journal() {
      const run = await stack.run();
      return run === undefined ? [] : readJournal(journalPath(demoState, run)).catch(() => []);
    },
    async runContainers() {
      const run = await stack.run();
      if (run === undefined) return [];
      const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${run}`]);
      return stdout.split('\n').filter(Boolean);
    },
    async teardown() {
      const down = await compose(['down', '-v', '--remove-orphans', '-t', '30']);
      const leftovers = await stack.runContainers();
      if (leftovers.length > 0) await execa('docker', ['rm', '-f', ...leftovers]);
      await execa('docker', ['network', 'rm', env.GANTRY_NETWORK], { reject: false });
      await rm(state, { recursive: true, force: true });
      if (down.exitCode !== 0) throw new Error(`docker-compose down exited ${down.exitCode}: ${String(down.stderr)}`);
    },
  };
  return stack;
}

/** Polls `check` every second until it holds; on timeout, fails with `what` and the controller's last log lines. */
export async function waitUntil(stack: ComposeStack, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const { stdout } = await stack.compose(['logs', '--no-color', '--tail', '60', 'controller']);
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}; the controller's last lines:\n${String(stdout)}`);
    }
    await new Promise((done) => setTimeout(done, 1_000));
  }
}

