import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../harness/config/index.ts';
import { configForRole, outOfScope, readRoles, roleNamed, sharedFile } from '../../harness/roles/index.ts';

let dir: string;
const agent = { command: 'true' };

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gantry-roles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roleFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, 'roles', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

const CONFIG = `repo:\n  url: ./upstream.git\nagent:\n  kind: command\n  command: "true"\ngate:\n  command: "true"\nroles:\n  dir: ./roles\n`;

describe('role files', () => {
  it('when no project folder is given, the five built-in roles are read, each with a prompt and a scope', async () => {
    const read = await readRoles(undefined, agent);
    expect(read.issues).toEqual([]);
    expect(Object.keys(read.roles).sort()).toEqual(['core', 'critic', 'dedup', 'docs', 'perf']);
    for (const role of Object.values(read.roles)) {
      expect(role.builtIn).toBe(true);
      expect(role.prompt.length).toBeGreaterThan(100);
      // core may use every slot; each specialist runs one agent.
      expect(role.count).toBe(role.name === 'core' ? undefined : 1);
    }
    expect(read.roles['docs']?.scope.owns).toContain('docs/**');
    // The built-in roles own everything or only documentation: nothing to warn about.
    expect(read.warnings).toEqual([]);
  });

  it('when a project role has the name of a built-in one, it replaces it; a new name adds a role', async () => {
    await roleFile('core.yaml', 'name: core\ncount: 2\nprompt: Fix things.\n');
    await roleFile('security.yml', 'name: security\nprompt: Audit input handling.\nscope:\n  owns: ["src/**"]\n  avoid: ["src/vendor/**"]\nlimits:\n  sessions: 2\n  minutes: 30\n  dollars: 4\n');
    const read = await readRoles(path.join(dir, 'roles'), agent);
    expect(read.issues).toEqual([]);
    expect(read.roles['core']).toMatchObject({ count: 2, prompt: 'Fix things.', builtIn: false, priority: 50, scope: { owns: ['**'], avoid: [] } });
    expect(read.roles['security']?.count).toBeUndefined();
    expect(read.roles['security']).toMatchObject({ scope: { owns: ['src/**'], avoid: ['src/vendor/**'] }, limits: { sessions: 2, minutes: 30, dollars: 4 } });
    expect(read.roles['dedup']?.builtIn).toBe(true);
  });

  it('when role files are bad, every problem is told as file:line field: message with the fix', async () => {
    await roleFile('a.yaml', 'name: a\ncount: -1\nprompt: x\nscope:\n  own: ["src/**"]\n');
    await roleFile('b.yaml', 'name: other\nprompt: x\n');
    await roleFile('c.yaml', 'name: c\n');
    await roleFile('d.yaml', 'name: d\nprompt: x\nagent:\n  kind: claude-code\n  command: sh run.sh\n');
    await roleFile('e.yaml', 'name: e\nprompt: [unclosed\n');
    const read = await readRoles(path.join(dir, 'roles'), {});
    const shown = (name: string) => path.join(dir, 'roles', name);
    expect(read.issues).toEqual(expect.arrayContaining([
      `${shown('a.yaml')}:2 count: expected an integer ≥ 0, got -1, e.g. \`1\``,
      expect.stringMatching(new RegExp(`^${shown('a.yaml')}:5 scope\\.own: unknown key "own": did you mean owns\\?`)),
      `${shown('b.yaml')}:1 name: "other" does not match the file name: rename the file to other.yaml or set name: b`,
      expect.stringMatching(new RegExp(`^${shown('c.yaml')}:1 prompt: required: add prompt`)),
      expect.stringMatching(new RegExp(`^${shown('d.yaml')}:5 agent\\.command: is only read for agent\\.kind command`)),
      expect.stringMatching(new RegExp(`^${shown('e.yaml')}:\\d+: invalid YAML`)),
    ]));
    expect(read.issues).toHaveLength(6);
    expect(Object.keys(read.roles)).not.toContain('a');
  });

  it('when a role runs kind command and neither it nor gantry.yaml has a command, the role file says so', async () => {
    await roleFile('script.yaml', 'name: script\nprompt: x\nagent:\n  kind: command\n');
    const read = await readRoles(path.join(dir, 'roles'), {});
    expect(read.issues).toEqual([`${path.join(dir, 'roles', 'script.yaml')}:4 agent.kind: kind command needs a command, and gantry.yaml's agent has none: add agent.command to this role, e.g. \`sh ./scripts/agent.sh\``]);
  });

  it('when two running roles own the same files, a warning names both; a paused role or an avoided folder is no overlap', async () => {
    await roleFile('api.yaml', 'name: api\nprompt: x\nscope:\n  owns: ["src/**"]\n');
    await roleFile('web.yaml', 'name: web\nprompt: x\nscope:\n  owns: ["src/web/**", "assets/**"]\n');
    await roleFile('paused.yaml', 'name: paused\ncount: 0\nprompt: x\nscope:\n  owns: ["src/**"]\n');
    await roleFile('tools.yaml', 'name: tools\nprompt: x\nscope:\n  owns: ["tools/**"]\n');
    const read = await readRoles(path.join(dir, 'roles'), agent);
    expect(read.issues).toEqual([]);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatch(/^roles api \(.*api\.yaml\) and web \(.*web\.yaml\) both own files such as src\/web\/x: their branches may conflict/);
  });

  it('when the project folder is missing, the issue names it and the fix', async () => {
    const read = await readRoles(path.join(dir, 'nowhere'), agent);
    expect(read.issues).toEqual([`${path.join(dir, 'nowhere')}: cannot read the role folder (ENOENT): create it or fix roles.dir in gantry.yaml`]);
  });

  it('when gantry.yaml names a role that does not exist, config check names the field and the roles there are', async () => {
    await roleFile('api.yaml', 'name: api\nprompt: x\n');
    const file = path.join(dir, 'gantry.yaml');
    await writeFile(file, `${CONFIG}budget:\n  perRole:\n    apx: 3\noracle:\n  units: { glob: "*.c" }\n  build: make\n  judge: { command: ./prog }\n  role: cor\n`);
    const result = await checkConfig(file, { env: {} });
    expect(result.issues).toEqual([expect.stringMatching(/gantry\.yaml:17 oracle\.role: there is no role "cor" \(did you mean core\?\): the roles are api, core, critic, dedup, docs, perf; add cor\.yaml to roles\.dir/)]);
    expect(result.warnings).toEqual([expect.stringMatching(/gantry\.yaml:12 budget\.perRole\.apx: there is no role "apx" \(did you mean api\?\).*until then this budget limits nothing/)]);
  });

  it('when a role file has a source, it is read with its defaults; a bad kind or field names the line and the kinds there are', async () => {
    await roleFile('bench.yaml', 'name: bench\nprompt: x\nsource:\n  kind: benchmark\n  command: sh bench.sh\n');
    await roleFile('bad.yaml', 'name: bad\nprompt: x\nsource:\n  kind: dupes\n');
    await roleFile('worse.yaml', 'name: worse\nprompt: x\nsource:\n  kind: duplicates\n  minLine: 4\n');
    const read = await readRoles(path.join(dir, 'roles'), agent);
    expect(read.roles['bench']?.source).toEqual({ kind: 'benchmark', command: 'sh bench.sh', everyMerges: 10, threshold: 0.1 });
    expect(read.roles['core']?.source).toEqual({ kind: 'failing-tests', perFile: 3 });
    expect(read.roles['dedup']?.source).toMatchObject({ kind: 'duplicates', everyMerges: 10, minLines: 6 });
    expect(read.issues).toEqual([
      expect.stringMatching(new RegExp(`^${path.join(dir, 'roles', 'bad.yaml')}:4 source\\.kind: .*failing-tests.*duplicates`)),
      expect.stringMatching(new RegExp(`^${path.join(dir, 'roles', 'worse.yaml')}:5 source\\.minLine: unknown key "minLine": did you mean minLines\\?`)),
    ]);
  });

  it('when roles.sources names a role without a source or no role at all, config check names the entry and the fix', async () => {
    const file = path.join(dir, 'gantry.yaml');
    await mkdir(path.join(dir, 'roles'));
    await writeFile(file, `${CONFIG}  sources: [core, perf, qa]\n`);
    const result = await checkConfig(file, { env: {} });
    expect(result.issues).toEqual([
      expect.stringMatching(/gantry\.yaml:10 roles\.sources\.1: role perf has no task source: add `source:` to .*perf\.yaml \(docs\/roles\.md\) or take perf off roles\.sources/),
      expect.stringMatching(/gantry\.yaml:10 roles\.sources\.2: there is no role "qa"/),
    ]);
  });
});

describe('a role at work', () => {
  it('when a role sets its agent and limits, its tasks run with them over gantry.yaml\'s', async () => {
    await roleFile('review.yaml', 'name: review\nprompt: x\nagent:\n  kind: claude-code\n  image: gantry/claude-code\n  model: claude-opus-4\nlimits:\n  sessions: 1\n  minutes: 0.5\n  dollars: 2\n');
    const file = path.join(dir, 'gantry.yaml');
    await writeFile(file, CONFIG);
    const config = await loadConfig(file, { env: {} });
    const review = configForRole(config, roleNamed(config, 'review'));
    expect(review.agent).toMatchObject({ kind: 'claude-code', model: 'claude-opus-4', image: 'gantry/claude-code' });
    // gantry.yaml's command was written for kind command: it does not carry over to claude-code.
    expect(review.agent.command).toBeUndefined();
    expect(review.limits).toMatchObject({ sessions: 1, taskTimeoutMs: 30_000, sessionTimeoutMs: config.limits.sessionTimeoutMs });
    expect(review.budget.perTask).toBe(2);
    expect(configForRole(config, roleNamed(config, 'core')).agent).toEqual(config.agent);
    expect(() => roleNamed(config, 'reviwe')).toThrow(/there is no role "reviwe": the roles are .*review.*; add reviwe\.yaml to roles\.dir/);
  });

  it('when a branch changes files outside owns or inside avoid, exactly those are out of scope', () => {
    const scope = { owns: ['docs/**', '**/*.md'], avoid: ['docs/generated/**'] };
    expect(outOfScope(scope, ['docs/guide.md', 'README.md', 'src/app.ts', 'docs/generated/api.md', '.github/x.md'])).toEqual(['src/app.ts', 'docs/generated/api.md']);
    expect(outOfScope({ owns: ['**'], avoid: [] }, ['.env', 'a/b/c.ts'])).toEqual([]);
  });

  it('when two scopes are compared, a shared file is found only where both allow it', () => {
    expect(sharedFile({ owns: ['src/**'], avoid: [] }, { owns: ['src/api/*.ts'], avoid: [] })).toBe('src/api/x.ts');
    expect(sharedFile({ owns: ['src/**'], avoid: ['src/api/**'] }, { owns: ['src/api/**'], avoid: [] })).toBeUndefined();
    expect(sharedFile({ owns: ['src/*.ts'], avoid: [] }, { owns: ['src/**/*.js'], avoid: [] })).toBeUndefined();
    expect(sharedFile({ owns: ['lib/{a,b}/**'], avoid: [] }, { owns: ['lib/a/x/**'], avoid: [] })).toBe('lib/a/x');
  });
});
