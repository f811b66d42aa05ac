import { availableParallelism, cpus, totalmem } from 'node:os';
import { execa } from 'execa';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  docker: string;
  git: string;
}

export async function machineFacts(): Promise<MachineFacts> {
  const docker = await execa('docker', ['version', '--format', '{{.Server.Version}}']);
  const git = await execa('git', ['--version']);
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    docker: docker.stdout.trim(),
    git: git.stdout.replace('git version ', '').trim(),
  };
}
