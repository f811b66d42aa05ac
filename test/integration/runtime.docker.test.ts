import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DockerRuntime, gantryLabels, reapOrphans, runSelector, type ContainerSpec } from '../../harness/runtime/index.ts';
import { describeRuntimeConformance, eventually } from '../helpers/runtime-conformance.ts';

const IMAGE = 'gantry/agent-base';
const docker = new Dockerode();

beforeAll(async () => {
  const present = await docker.getImage(IMAGE).inspect().then(() => true, () => false);
  if (!present) throw new Error(`image ${IMAGE} is missing: run images/build-offline.sh first`);
});

describeRuntimeConformance('DockerRuntime', () => new DockerRuntime({ docker }), {
  image: IMAGE,
  user: '1000:1000',
  shortTimeoutMs: 1_500,
  killWithinMs: 10_000,
});

describe('DockerRuntime', () => {
  const runtime = new DockerRuntime({ docker });
  let run: string;
  let dir: string;
  let logFile: string;

  const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
    image: IMAGE,
    command: ['true'],
    env: {},
    mounts: [],
    labels: gantryLabels({ run, task: 'docker', purpose: 'test' }),
    limits: { memoryBytes: 256 * 1024 * 1024, nanoCpus: 500_000_000, pids: 64, fileSizeBytes: 64 * 1024 * 1024 },
    network: 'none',
    user: '1000:1000',
    ...overrides,
  });

  beforeEach(async () => {
    run = `test-${randomUUID()}`;
    dir = await mkdtemp(join(tmpdir(), 'gantry-docker-'));
    logFile = join(dir, 'container.log');
  });

  afterEach(async () => {
    await runtime.removeAll(runSelector(run));
    await rm(dir, { recursive: true, force: true });
  });

  it('when the container needs more memory than its limit, it reports the OOM kill', async () => {
    const exit = await runtime.run(
      spec({ command: ['sh', '-c', 'head -c 200m /dev/zero | tail'], limits: { memoryBytes: 32 * 1024 * 1024, nanoCpus: 1_000_000_000, pids: 64, fileSizeBytes: 64 * 1024 * 1024 } }),
      { timeoutMs: 60_000 },
    );

    expect(exit).toMatchObject({ oomKilled: true, timedOut: false, aborted: false });
    expect(exit.exitCode).not.toBe(0);
  });

  it('when a process writes a file past the file-size limit, the write fails there and nothing larger lands in the work tree', async () => {
    const work = join(dir, 'work');
    await mkdir(work, { mode: 0o777 });
    await chmod(work, 0o777);
    const limits = { memoryBytes: 256 * 1024 * 1024, nanoCpus: 1_000_000_000, pids: 64, fileSizeBytes: 8 * 1024 * 1024 };

    const exit = await runtime.run(
      spec({ command: ['sh', '-c', 'head -c 2G /dev/zero > /work/big; echo "exit=$?"'], limits, mounts: [{ hostPath: work, containerPath: '/work', readOnly: false }] }),
      { timeoutMs: 60_000, logFile },
    );

    expect(exit.exitCode).toBe(0);
    expect(await readFile(logFile, 'utf8')).toMatch(/exit=[1-9]/);
    expect((await stat(join(work, 'big'))).size).toBe(8 * 1024 * 1024);
  });

  it('when /tmp fills, the process gets a full disk at half the memory limit, not an OOM kill', async () => {
    const limits = { memoryBytes: 64 * 1024 * 1024, nanoCpus: 1_000_000_000, pids: 64, fileSizeBytes: 1024 * 1024 * 1024 };

    const exit = await runtime.run(spec({ command: ['sh', '-c', 'head -c 100m /dev/zero > /tmp/fill; echo "exit=$?"; du -m /tmp/fill'], limits }), { timeoutMs: 60_000, logFile });

    const log = await readFile(logFile, 'utf8');
    expect(exit).toMatchObject({ exitCode: 0, oomKilled: false });
    expect(log).toContain('No space left on device');
    expect(log).toMatch(/^3[12]\s+\/tmp\/fill$/m);
  });

  it('when the container runs, it has no capabilities, no privilege gain and a read-only root, but a writable, executable /tmp and HOME', async () => {
    const probe = [
      'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status',
      'touch /etc/x 2>/dev/null || echo root-read-only',
      'touch "$HOME/h" && echo home-writable',
      'printf "#!/bin/sh\\necho tmp-executable\\n" > /tmp/s && chmod +x /tmp/s && /tmp/s',
      'echo "uid=$(id -u)"',
    ].join('; ');

    const exit = await runtime.run(spec({ command: ['sh', '-c', probe] }), { timeoutMs: 60_000, logFile });

    expect(exit.exitCode).toBe(0);
    const log = await readFile(logFile, 'utf8');
    expect(log).toMatch(/CapEff:\s+0000000000000000/);
    // A non-root process has no effective capabilities anyway; the empty bounding set is what CapDrop ALL adds.
    expect(log).toMatch(/CapBnd:\s+0000000000000000/);
    expect(log).toMatch(/NoNewPrivs:\s+1/);
    expect(log).toContain('root-read-only');
    expect(log).toContain('home-writable');
    expect(log).toContain('tmp-executable');
    expect(log).toContain('uid=1000');
  });

  it('when the container runs, Docker holds it to the limits, network and hardening of the spec', async () => {
    const controller = new AbortController();
    const exiting = runtime.run(spec({ command: ['sleep', '60'] }), { timeoutMs: 60_000, signal: controller.signal });
    const [summary] = await eventually(async () => {
      const found = await runtime.list(runSelector(run));
      return found.length > 0 ? found : undefined;
    }, 15_000, 'the container to exist');

    const info = await docker.getContainer(summary?.id ?? '').inspect();
    controller.abort();
    await exiting;

    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
      NetworkMode: 'none',
      AutoRemove: false,
      Init: true,
    });
    expect(Object.keys(info.HostConfig.Tmpfs ?? {}).sort()).toEqual(['/home/agent', '/tmp']);
  });

  it('when the image does not exist, hasImage() says so and run() fails with IMAGE_MISSING and the fix', async () => {
    const image = `gantry/missing-${randomUUID()}`;

    await expect(runtime.hasImage(image)).resolves.toBe(false);
    await expect(runtime.hasImage(IMAGE)).resolves.toBe(true);
    await expect(runtime.run(spec({ image }), { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'IMAGE_MISSING',
      retryable: false,
      message: `image ${image} not found: run images/build-offline.sh (or docker build -t ${image} <dir>)`,
    });
  });

  it('when the Docker socket does not exist, it fails with a retryable DOCKER_UNAVAILABLE that says what to do', async () => {
    const socketPath = join(dir, 'docker.sock');
    const absent = new DockerRuntime({ socketPath });

    await expect(absent.ping()).rejects.toMatchObject({
      code: 'DOCKER_UNAVAILABLE',
      retryable: true,
      message: `Docker not reachable at ${socketPath}: start dockerd or set DOCKER_HOST`,
    });
    await expect(absent.run(spec(), { timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('when Docker accepts the connection but never answers, each call gives up at its own time limit', async () => {
    const socketPath = join(dir, 'silent.sock');
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    try {
      const hung = new DockerRuntime({ socketPath, callTimeoutMs: 300 });
      const startedAt = Date.now();

      await expect(hung.list(runSelector(run))).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE', retryable: true, message: expect.stringContaining('did not answer') });
      expect(Date.now() - startedAt).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('when a run left containers behind, reapOrphans() removes them and leaves other runs alone', async () => {
    const otherRun = `test-${randomUUID()}`;
    const leftBehind = async (labels: Record<string, string>): Promise<void> => {
      const container = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '60'], Labels: labels, User: '1000:1000', HostConfig: { NetworkMode: 'none' } });
      await container.start();
    };
    try {
      await leftBehind(gantryLabels({ run, task: 'a' }));
      await leftBehind(gantryLabels({ run, task: 'b' }));
      await leftBehind(gantryLabels({ run: otherRun, task: 'c' }));

      const reaped = await reapOrphans(runtime, run);

      expect(reaped).toBe(2);
      expect(await runtime.list(runSelector(run))).toEqual([]);
      expect(await runtime.list(runSelector(otherRun))).toHaveLength(1);
    } finally {
      await runtime.removeAll(runSelector(otherRun));
    }
  });
});
