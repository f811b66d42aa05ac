import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../../harness/config/index.ts';

const BASE = `repo:
  url: ./upstream.git
agent:
  kind: command
  command: "true"
gate:
  command: "true"
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function check(oracle: string) {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-oracle-config-'));
  const file = path.join(dir, 'gantry.yaml');
  await writeFile(file, `${BASE}oracle:\n${oracle}`);
  return checkConfig(file);
}

describe('config: the oracle section', () => {
  it('when the section is minimal, it fills in the defaults and the agent image', async () => {
    const { config, issues, warnings } = await check('  units: { glob: "src/*.c" }\n  build: sh build.sh\n  judge: { command: ./prog }\n');

    expect({ issues, warnings }).toEqual({ issues: [], warnings: [] });
    expect(config?.oracle).toEqual({
      units: { glob: 'src/*.c' },
      build: 'sh build.sh',
      judge: { kind: 'exit-code', command: './prog' },
      image: 'gantry/agent-base',
      env: {},
      parallel: 4,
      confirm: 2,
      role: 'core',
      timeouts: { buildMs: 600_000, judgeMs: 120_000, checkMs: 600_000 },
    });
  });

  it('when there is no oracle section, the config has none', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-oracle-config-'));
    await writeFile(path.join(dir, 'gantry.yaml'), BASE);

    expect((await checkConfig(path.join(dir, 'gantry.yaml'))).config?.oracle).toBeUndefined();
  });

  it.each([
    {
      case: 'no unit source is given',
      oracle: '  units: {}\n  build: sh build.sh\n  judge: { command: ./prog }\n',
      issue: ':9 oracle.units: expected exactly one of glob, list or command, but none is set',
    },
    {
      case: 'two unit sources are given',
      oracle: '  units:\n    glob: "*.c"\n    command: ls\n  build: sh build.sh\n  judge: { command: ./prog }\n',
      issue: ':9 oracle.units: expected exactly one of glob, list or command, but glob and command are both set',
    },
    {
      case: 'a unit is listed twice',
      oracle: '  units:\n    list: [a.c, b.c, a.c]\n  build: sh build.sh\n  judge: { command: ./prog }\n',
      issue: ':10 oracle.units.list: "a.c" is listed twice',
    },
    {
      case: 'the judge is custom without a verdict',
      oracle: '  units: { glob: "*.c" }\n  build: sh build.sh\n  judge:\n    kind: custom\n    command: ./prog\n',
      issue: ':11 oracle.judge.verdict: required for judge.kind custom',
    },
    {
      case: 'the build is missing',
      oracle: '  units: { glob: "*.c" }\n  judge: { command: ./prog }\n',
      issue: ':8 oracle.build: required: add oracle.build, e.g. `sh build.sh`',
    },
    {
      case: 'the judge kind is unknown',
      oracle: '  units: { glob: "*.c" }\n  build: sh build.sh\n  judge: { kind: diff, command: ./prog }\n',
      issue: ':11 oracle.judge.kind: expected one of exit-code, compare, custom, got "diff"',
    },
    {
      case: 'parallel is 0',
      oracle: '  units: { glob: "*.c" }\n  build: sh build.sh\n  judge: { command: ./prog }\n  parallel: 0\n',
      issue: ':12 oracle.parallel: expected an integer ≥ 1, got 0',
    },
    {
      case: 'an env name is not a shell name',
      oracle: '  units: { glob: "*.c" }\n  build: sh build.sh\n  judge: { command: ./prog }\n  env:\n    BAD-NAME: x\n',
      issue: ':13 oracle.env.BAD-NAME: "BAD-NAME" is not a shell variable name',
    },
    {
      case: 'a key is misspelt',
      oracle: '  units: { glob: "*.c" }\n  build: sh build.sh\n  judge: { command: ./prog }\n  paralel: 2\n',
      issue: ':12 oracle.paralel: unknown key "paralel": did you mean parallel?',
    },
  ])('when $case, it reports it as file:line field: message', async ({ oracle, issue }) => {
    const { config, issues } = await check(oracle);

    expect(config).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`gantry.yaml${issue}`);
  });

  it('when a verdict is given to a judge that is not custom, it warns that it is ignored', async () => {
    const { config, warnings } = await check('  units: { glob: "*.c" }\n  build: sh build.sh\n  judge:\n    command: ./prog\n    verdict: "true"\n');

    expect(config).toBeDefined();
    expect(warnings).toEqual([expect.stringMatching(/gantry\.yaml:13 oracle\.judge\.verdict: is ignored for judge\.kind exit-code/)]);
  });
});
