import { emptySelector, unsafeUser } from './runtime-errors.ts';

/** Checks every runtime applies before touching a container, so the fake refuses what the real one refuses. */

export interface ContainerUser {
  uid: number;
  gid: number;
}

/**
 * Agents are untrusted: a root uid (or the root group) inside the container
 * would make every other hardening step cheaper to get around.
 */
export function unprivilegedUser(user: string): ContainerUser {
  const match = /^(\d+):(\d+)$/.exec(user);
  const uid = Number(match?.[1]);
  const gid = Number(match?.[2]);
  if (!match || uid === 0 || gid === 0) throw unsafeUser(user);
  return { uid, gid };
}

export function requireSelector(labels: Record<string, string>): void {
  if (Object.keys(labels).length === 0) throw emptySelector();
}
