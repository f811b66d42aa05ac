import os from 'node:os';
import { execa } from 'execa';
import { bearerConfig } from '../git/safe-git.ts';

/**
 * Asks the upstream whether it answers, with `git ls-remote`, before a run
 * depends on it. It runs outside any work tree so that no repository's local
 * config takes part, and with prompts off so a missing credential fails
 * instead of waiting for a person.
 */

export const PROBE_TIMEOUT_MS = 15_000;

export type RepoProbe = { reachable: true; hasBranch: boolean } | { reachable: false; reason: string };

/** `bearer`: the token an upstream served by `gantry upstream serve` asks for. */
export async function probeRepo(url: string, branch: string, options: { timeoutMs?: number; bearer?: string } = {}): Promise<RepoProbe> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const result = await execa('git', ['ls-remote', '--', url, `refs/heads/${branch}`], {
    cwd: os.tmpdir(),
    timeout: timeoutMs,
    reject: false,
    stdin: 'ignore',
    env: {
      GIT_TERMINAL_PROMPT: '0',
      GIT_SSH_COMMAND: process.env['GIT_SSH_COMMAND'] ?? 'ssh -o BatchMode=yes',
      ...(options.bearer === undefined ? {} : bearerConfig(options.bearer)),
    },
  });
  if (result.timedOut) return { reachable: false, reason: `no answer within ${timeoutMs / 1000} s` };
  if (result.failed) return { reachable: false, reason: firstLine(result.stderr) ?? result.shortMessage ?? 'git ls-remote failed' };
  return { reachable: true, hasBranch: result.stdout.trim() !== '' };
}

function firstLine(text: string): string | undefined {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '');
}
