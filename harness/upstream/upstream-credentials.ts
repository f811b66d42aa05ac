import { GantryError } from '../errors.ts';
import type { UpstreamCredentials } from '../git/index.ts';
import type { UpstreamTokens } from './upstream-tokens.ts';

/** Where the server's own token is given, to `gantry upstream serve` and to the controllers that write main. */
export const UPSTREAM_TOKEN_ENV = 'GANTRY_UPSTREAM_TOKEN';

/** A git call across the network ends within 10 minutes; its token lapses a little after. */
const CALL_TOKEN_TTL_MS = 15 * 60_000;

/** A controller's: the server's own token on every call (the gate pushes main). */
export function serverCredentials(token: string): UpstreamCredentials {
  return async () => token;
}

/**
 * A worker's: a token of its own for each call, that may read, or push the
 * branch of the attempt it works for; never main.
 */
export function workerCredentials(tokens: UpstreamTokens): UpstreamCredentials {
  return async (access) => {
    if (access.kind === 'main') {
      throw new GantryError('ILLEGAL_STATE', 'a worker asked to write main: only the gate, on a controller holding the upstream\'s own token, writes main');
    }
    return tokens.issue(access.kind === 'read' ? { kind: 'read' } : { kind: 'task', task: access.task, fence: access.fence }, CALL_TOKEN_TTL_MS);
  };
}
