import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeRuntime, gantryLabels, type ContainerScript, type ContainerSpec, type ScriptedOutcome } from '../../harness/runtime/index.ts';
import { CONFORMANCE_COMMANDS, describeRuntimeConformance } from '../helpers/runtime-conformance.ts';

/** Where a container path lands on the host, through the spec's mounts. */
function hostMount(spec: ContainerSpec, containerPath: string): { hostPath: string; readOnly: boolean } {
  const mount = spec.mounts.find((candidate) => candidate.containerPath === containerPath);
  if (!mount) throw new Error(`no mount at ${containerPath}`);
  return mount;
}

/** `echo written > <dir>/out.txt`, refused on a read-only mount. */
async function writeOut(spec: ContainerSpec, containerDir: string): Promise<ScriptedOutcome> {
  const mount = hostMount(spec, containerDir);
  if (mount.readOnly) return { exitCode: 2, output: `sh: 1: cannot create ${containerDir}/out.txt: Read-only file system\n` };
  await writeFile(join(mount.hostPath, 'out.txt'), 'written\n');
  return {};
}

/** Plays the conformance commands the way sh, cat and sleep do in a real container. */
const conformanceScript: ContainerScript = async (spec) => {
  switch (spec.command.join(' ')) {
    case CONFORMANCE_COMMANDS.exitWithEnv.join(' '):
      return { exitCode: 3, output: `greeting=${spec.env.GREETING ?? ''}\nto stderr\n` };
    case CONFORMANCE_COMMANDS.readInput.join(' '):
      return { output: await readFile(join(hostMount(spec, '/mnt/ro').hostPath, 'input.txt'), 'utf8') };
    case CONFORMANCE_COMMANDS.writeReadOnly.join(' '):
      return writeOut(spec, '/mnt/ro');
    case CONFORMANCE_COMMANDS.writeWritable.join(' '):
      return writeOut(spec, '/mnt/rw');
    case CONFORMANCE_COMMANDS.sleep.join(' '):
      return { hang: true };
    case CONFORMANCE_COMMANDS.printSecret.join(' '):
      return { output: `token=${spec.env.API_TOKEN ?? ''}, twice: ${spec.env.API_TOKEN ?? ''}\n` };
    default:
      return { exitCode: 127, output: `${spec.command[0] ?? ''}: not found\n` };
  }
};

describeRuntimeConformance('FakeRuntime', () => new FakeRuntime({ script: conformanceScript }), {
  image: 'gantry/agent-base',
  user: '1000:1000',
  shortTimeoutMs: 200,
  killWithinMs: 1_000,
});

describe('FakeRuntime', () => {
  const spec: ContainerSpec = {
    image: 'gantry/agent-base',
    command: ['true'],
    env: {},
    mounts: [],
    labels: gantryLabels({ run: 'fake' }),
    limits: { memoryBytes: 1, nanoCpus: 1, pids: 1, fileSizeBytes: 1 },
    network: 'none',
    user: '1000:1000',
  };

  it('when it runs specs, it records them in order', async () => {
    const runtime = new FakeRuntime();

    await runtime.run({ ...spec, command: ['first'] }, { timeoutMs: 1_000 });
    await runtime.run({ ...spec, command: ['second'] }, { timeoutMs: 1_000 });

    expect(runtime.specs.map((recorded) => recorded.command)).toEqual([['first'], ['second']]);
  });

  it('when the script says oom, it reports an OOM kill with exit code 137', async () => {
    const runtime = new FakeRuntime({ script: async () => ({ oom: true }) });

    expect(await runtime.run(spec, { timeoutMs: 1_000 })).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false });
  });

  it('when the image is not among its images, it fails with IMAGE_MISSING and says how to build it', async () => {
    const runtime = new FakeRuntime({ images: ['gantry/other'] });

    await expect(runtime.hasImage('gantry/agent-base')).resolves.toBe(false);
    await expect(runtime.run(spec, { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      message: expect.stringContaining('images/build-offline.sh'),
    });
    expect(runtime.specs).toEqual([]);
  });

  it('when it is made unavailable, ping and run fail with a retryable DOCKER_UNAVAILABLE', async () => {
    const runtime = new FakeRuntime();
    runtime.available = false;

    await expect(runtime.ping()).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE', retryable: true });
    await expect(runtime.run(spec, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });
});
