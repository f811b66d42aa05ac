import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../harness/config/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/config');
const shown = (name: string) => path.relative(process.cwd(), path.join(FIXTURES, name));

describe('config rules', () => {
  it('when the agent kind is codex without a price on the default image, it asks for agent.price and warns that the image has no codex CLI', async () => {
    const { config, issues, warnings } = await checkConfig(path.join(FIXTURES, 'codex.yaml'));

    expect(config).toBeUndefined();
    expect(issues).toEqual([
      `${shown('codex.yaml')}:3 agent.price: required for agent.kind codex, whose CLI reports tokens but no cost: add the model's prices in dollars per million tokens, e.g. \`price: { input: 1.25, cachedInput: 0.125, output: 10 }\``,
    ]);
    expect(warnings).toEqual([
      `${shown('codex.yaml')}:3 agent.image: gantry/agent-base has no codex CLI: set \`image: gantry/codex\` (images/build-offline.sh builds it) or an image of your own that has it`,
    ]);
  });

  it('when the agent kind is codex with a price and the codex image, it accepts the config and prices cached input like input', async () => {
    const { config, issues, warnings } = await checkConfig(path.join(FIXTURES, 'codex-priced.yaml'));

    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config?.agent).toMatchObject({ kind: 'codex', image: 'gantry/codex', price: { input: 1.25, cachedInput: 1.25, output: 10 } });
  });

  it('when the agent kind is claude-code on the default image, it accepts the config and warns that the image has no claude CLI', async () => {
    const { config, issues, warnings } = await checkConfig(path.join(FIXTURES, 'claude-code.yaml'));

    expect(issues).toEqual([]);
    expect(config?.agent).toMatchObject({ kind: 'claude-code', model: 'claude-sonnet-4-5', image: 'gantry/agent-base' });
    expect(warnings).toEqual([
      `${shown('claude-code.yaml')}:3 agent.image: gantry/agent-base has no claude CLI: set \`image: gantry/claude-code\` (images/build-offline.sh builds it) or an image of your own that has it`,
    ]);
  });

  it('when kind command has no command, memory is below Docker\'s minimum and the user is root, it reports all three', async () => {
    const { config, issues } = await checkConfig(path.join(FIXTURES, 'rule-problems.yaml'));
    const file = shown('rule-problems.yaml');

    expect(config).toBeUndefined();
    expect(issues).toEqual([
      `${file}:3 agent.command: required for agent.kind command: add agent.command, e.g. \`sh ./scripts/agent.sh\``,
      `${file}:8 container.memory: 1048576 bytes is below Docker's minimum of 6m: set at least \`6m\`, e.g. \`2g\``,
      `${file}:9 container.user: "0:0" runs agents as root: use a non-root uid:gid, e.g. \`1000:1000\``,
    ]);
  });

  it('when a command agent names a model, it warns without blocking', async () => {
    const { config, issues, warnings } = await checkConfig(path.join(FIXTURES, 'model-ignored.yaml'));

    expect(issues).toEqual([]);
    expect(config?.agent.model).toBe('claude-sonnet-4-5');
    expect(warnings).toEqual([`${shown('model-ignored.yaml')}:6 agent.model: is ignored for agent.kind command: pass the model in agent.command or remove agent.model`]);
  });
});
