import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerSpec } from './container-runtime.ts';
import type { ContainerUser } from './guards.ts';

/** The HOME of the agent images (images/agent-base) when the spec does not set one. */
export const DEFAULT_HOME = '/home/agent';

/**
 * The create request for a spec, with the hardening every agent container gets
 * whatever the spec says: no capabilities, no privilege gain, a read-only root
 * with tmpfs only where tools must write (/tmp and HOME), limits on memory
 * (swap included), CPU, processes and file size, and an init that reaps zombies.
 * Not AutoRemove: the exit status and the OOM flag are read before removal.
 */
export function hardenedCreateOptions(spec: ContainerSpec, user: ContainerUser): ContainerCreateOptions {
  const home = spec.env.HOME ?? DEFAULT_HOME;
  const tmpfsBytes = Math.floor(spec.limits.memoryBytes / 2);
  return {
    Image: spec.image,
    Cmd: spec.command,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ...(spec.workdir === undefined ? {} : { WorkingDir: spec.workdir }),
    User: spec.user,
    Labels: spec.labels,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Binds: spec.mounts.map((mount) => `${mount.hostPath}:${mount.containerPath}${mount.readOnly ? ':ro' : ''}`),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      // Docker mounts tmpfs noexec by default; build tools and test runners execute
      // what they unpack there, and the writable work tree allows exec anyway.
      // HOME keeps the image directory's mode (Docker copies it up) and belongs to the user.
      // tmpfs pages are charged to the container's memory: each gets half of it, so
      // filling them is a full disk (ENOSPC) the agent can see, not an OOM kill.
      Tmpfs: {
        '/tmp': `rw,exec,nosuid,nodev,size=${tmpfsBytes},mode=1777`,
        [home]: `rw,exec,nosuid,nodev,size=${tmpfsBytes},uid=${user.uid},gid=${user.gid}`,
      },
      PidsLimit: spec.limits.pids,
      Ulimits: [{ Name: 'fsize', Soft: spec.limits.fileSizeBytes, Hard: spec.limits.fileSizeBytes }],
      Memory: spec.limits.memoryBytes,
      MemorySwap: spec.limits.memoryBytes,
      NanoCpus: spec.limits.nanoCpus,
      NetworkMode: spec.network,
      AutoRemove: false,
      Init: true,
    },
  };
}
