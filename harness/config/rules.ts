import { closest } from './closest.ts';
import type { FieldPath } from './messages.ts';
import { UPSTREAM_TOKEN_ENV } from '../upstream/upstream-credentials.ts';
import { probeRepo } from './probe-repo.ts';
import type { GantryConfig } from './types.ts';

/**
 * Checks that need more than one field, or the world outside the file. They
 * run on the normalized config and report through `report`, which knows
 * where each field sits in the file.
 */

export interface RuleReport {
  issue(path: FieldPath, message: string): void;
  warning(path: FieldPath, message: string): void;
}

/**
 * Agent kinds this version can run. The schema may accept more so configs can
 * be written ahead; adding a kind here, once its adapter exists, is all it
 * takes to allow it.
 */
const AVAILABLE_AGENT_KINDS: ReadonlySet<string> = new Set(['command', 'claude-code', 'codex']);

/** The image each agent CLI ships in (images/build-offline.sh builds them), and the CLI's name. */
const AGENT_IMAGES: Readonly<Record<string, { image: string; cli: string }>> = {
  'claude-code': { image: 'gantry/claude-code', cli: 'claude' },
  codex: { image: 'gantry/codex', cli: 'codex' },
};

/** The image agent.image defaults to: it has git and gantry's tools but no agent CLI. */
const BASE_IMAGE = 'gantry/agent-base';

/** Docker refuses a memory limit below 6 MiB. */
const DOCKER_MIN_MEMORY_BYTES = 6 * 1024 ** 2;

export async function checkRules(config: GantryConfig, report: RuleReport, options: { probeRepo: boolean }): Promise<void> {
  checkAgent(config.agent, report);
  checkContainer(config.container, report);
  if (config.oracle) checkOracle(config.oracle, report);
  checkRoleNames(config, report);
  if (options.probeRepo) await checkRepoReachable(config.repo, report);
}

function checkAgent(agent: GantryConfig['agent'], report: RuleReport): void {
  if (!AVAILABLE_AGENT_KINDS.has(agent.kind)) {
    report.issue(['agent', 'kind'], `kind "${agent.kind}" is not available in this version yet: use \`kind: claude-code\` or \`kind: codex\`, or \`kind: command\` with agent.command, which runs any CLI`);
  }
  const cliImage = AGENT_IMAGES[agent.kind];
  if (cliImage !== undefined && agent.image === BASE_IMAGE) {
    report.warning(['agent', 'image'], `${BASE_IMAGE} has no ${cliImage.cli} CLI: set \`image: ${cliImage.image}\` (images/build-offline.sh builds it) or an image of your own that has it`);
  }
  if (agent.kind === 'codex' && agent.price === undefined) {
    report.issue(['agent', 'price'], 'required for agent.kind codex, whose CLI reports tokens but no cost: add the model\'s prices in dollars per million tokens, e.g. `price: { input: 1.25, cachedInput: 0.125, output: 10 }`');
  }
  if (agent.kind === 'command' && agent.command === undefined) {
    report.issue(['agent', 'command'], 'required for agent.kind command: add agent.command, e.g. `sh ./scripts/agent.sh`');
  }
  if (agent.kind === 'command' && agent.model !== undefined) {
    report.warning(['agent', 'model'], 'is ignored for agent.kind command: pass the model in agent.command or remove agent.model');
  }
}

function checkContainer(container: GantryConfig['container'], report: RuleReport): void {
  if (container.memoryBytes < DOCKER_MIN_MEMORY_BYTES) {
    report.issue(['container', 'memory'], `${container.memoryBytes} bytes is below Docker's minimum of 6m: set at least \`6m\`, e.g. \`2g\``);
  }
  if (container.user.split(':')[0] === '0') {
    report.issue(['container', 'user'], `"${container.user}" runs agents as root: use a non-root uid:gid, e.g. \`1000:1000\``);
  }
}

const UNIT_SOURCES = ['glob', 'list', 'command'] as const;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkOracle(oracle: NonNullable<GantryConfig['oracle']>, report: RuleReport): void {
  const sources = UNIT_SOURCES.filter((source) => oracle.units[source] !== undefined);
  if (sources.length !== 1) {
    const found = sources.length === 0 ? 'none is set' : `${sources.join(' and ')} are both set`;
    report.issue(['oracle', 'units'], `expected exactly one of glob, list or command, but ${found}: e.g. \`units: { glob: "src/*.c" }\``);
  }
  const duplicate = oracle.units.list?.find((unit, index, list) => list.indexOf(unit) !== index);
  if (duplicate !== undefined) report.issue(['oracle', 'units', 'list'], `"${duplicate}" is listed twice: list each unit once`);
  for (const key of Object.keys(oracle.env).filter((name) => !SHELL_NAME.test(name))) {
    report.issue(['oracle', 'env', key], `"${key}" is not a shell variable name (letters, digits and _, not starting with a digit): the probes export it`);
  }
  if (oracle.judge.kind === 'custom' && oracle.judge.verdict === undefined) {
    report.issue(['oracle', 'judge', 'verdict'], 'required for judge.kind custom: add a command that exits 0 when the mix passes, e.g. `cmp -s "$GANTRY_OUTPUT" "$GANTRY_EXPECTED"`');
  }
  if (oracle.judge.kind !== 'custom' && oracle.judge.verdict !== undefined) {
    report.warning(['oracle', 'judge', 'verdict'], `is ignored for judge.kind ${oracle.judge.kind}: set \`kind: custom\` or remove judge.verdict`);
  }
}

/** Fields that name a role must name one that exists (built in or in roles.dir). */
function checkRoleNames(config: GantryConfig, report: RuleReport): void {
  const known = Object.keys(config.roles.roles).sort();
  const unknown = (name: string) => `there is no role "${name}"${suggest(name, known)}: the roles are ${known.join(', ')}; add ${name}.yaml to roles.dir to make one`;
  if (config.oracle && !known.includes(config.oracle.role)) report.issue(['oracle', 'role'], unknown(config.oracle.role));
  for (const name of Object.keys(config.budget.perRole).filter((role) => !known.includes(role))) {
    report.warning(['budget', 'perRole', name], `${unknown(name)}; until then this budget limits nothing`);
  }
  config.roles.sources.forEach((name, index) => {
    const role = config.roles.roles[name];
    if (!role) report.issue(['roles', 'sources', index], unknown(name));
    else if (!role.source) report.issue(['roles', 'sources', index], `role ${name} has no task source: add \`source:\` to ${role.file} (docs/roles.md) or take ${name} off roles.sources`);
  });
}

function suggest(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

async function checkRepoReachable(repo: GantryConfig['repo'], report: RuleReport): Promise<void> {
  const bearer = process.env[UPSTREAM_TOKEN_ENV];
  if (repo.tokens && !bearer) {
    report.issue(['repo', 'tokens'], `the upstream asks for tokens: set ${UPSTREAM_TOKEN_ENV} to the token \`gantry upstream serve\` was started with`);
    return;
  }
  const probe = await probeRepo(repo.url, repo.main, repo.tokens && bearer ? { bearer } : {});
  if (!probe.reachable) {
    report.issue(['repo', 'url'], `cannot reach ${repo.url}: ${probe.reason}; check the path or URL and your credentials`);
  } else if (!probe.hasBranch) {
    report.warning(['repo', 'main'], `branch ${repo.main} not found in ${repo.url}: agents start from it, so push it first or set repo.main`);
  }
}
