import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A second Docker engine on this machine, standing for another host. */
export interface SecondEngine {
  /** What `--docker-host` and `docker -H` take. */
  host: string;
  /** The host disappears: dockerd and containerd are killed with SIGKILL. */
  crash(): Promise<void>;
  /** Stops it (a crashed one is started again first, which stops the containers it left) and removes every trace. */
  remove(): Promise<void>;
}

/**
 * Starts dockerd in a network namespace of its own, with its own socket,
 * data root and exec root, and loads `images` into it from the main engine.
 * It has no bridge (`--bridge none`: containers here run with network none)
 * and touches no iptables. Entered with nsenter, not `ip netns exec`, which
 * remounts /sys and hides the cgroups dockerd needs. The namespace keeps the
 * host's own docker0 out of its reach.
 */
export async function startSecondEngine(images: readonly string[]): Promise<SecondEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-engine-'));
  const namespace = `gantry-e2-${randomBytes(3).toString('hex')}`;
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const pidFile = join(dir, 'docker.pid');
  await execa('ip', ['netns', 'add', namespace]);
  await execa('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);

  const start = async () => {
    await rm(pidFile, { force: true });
    const daemon = spawn('nsenter', [
      `--net=/var/run/netns/${namespace}`, 'dockerd', '--host', host, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
      '--pidfile', pidFile, '--bridge', 'none', '--iptables=false', '--ip-masq=false',
    ], { detached: true, stdio: 'ignore' });
    daemon.unref();
    for (let waited = 0; waited < 60_000; waited += 250) {
      if ((await execa('docker', ['-H', host, 'version'], { reject: false })).exitCode === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`the second Docker engine at ${host} did not start`);
  };
  /** This engine's processes (their command lines name its folder): dockerd, its containerd, and with `shims` the containerd shims. */
  const processes = async (shims = false): Promise<number[]> => {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      const program = cmdline.split('\0')[0] ?? '';
      if (cmdline.includes(dir) && (['dockerd', 'containerd'].includes(program) || (shims && program.includes('containerd-shim')))) pids.push(Number(entry));
    }
    return pids;
  };
  const daemons = () => processes();

  try {
    await start();
    for (const image of images) await execa('sh', ['-c', `docker save "$0" | docker -H "$1" load -q`, image, host]);
  } catch (error) {
    await removeAll();
    throw error;
  }

  async function removeAll(): Promise<void> {
    if ((await execa('docker', ['-H', host, 'version'], { reject: false })).exitCode === 0) {
      const { stdout } = await execa('docker', ['-H', host, 'ps', '-aq', '--filter', 'label=gantry.run'], { reject: false });
      const ids = stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await execa('docker', ['-H', host, 'rm', '-f', ...ids], { reject: false });
    }
    for (const pid of await daemons()) signal(pid, 'SIGTERM');
    for (let waited = 0; waited < 30_000 && (await daemons()).length > 0; waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
    // Shims of containers the crash orphaned can outlive the daemons that lost them.
    for (const pid of await processes(true)) signal(pid, 'SIGKILL');
    // dockerd binds its data root onto itself; whatever is still mounted under the folder goes before it does.
    const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '').filter((path) => path.startsWith(dir));
    for (const mount of mounts.reverse()) await execa('umount', ['-l', mount], { reject: false });
    await execa('ip', ['netns', 'del', namespace], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }

  return {
    host,
    async crash() {
      for (const pid of await daemons()) signal(pid, 'SIGKILL');
    },
    async remove() {
      // A crashed engine's containers outlive it (their shims do): starting it again stops them.
      if (existsSync(dir) && (await daemons()).length === 0) await start().catch(() => undefined);
      await removeAll();
    },
  };
}

/** A process that already ended (containerd stops with its dockerd) is no error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
