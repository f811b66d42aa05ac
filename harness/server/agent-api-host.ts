import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GantryError } from '../errors.ts';
import type { Peer } from '../memory/index.ts';
import { buildAgentApi, type AgentApiDeps } from './agent-api.ts';
import type { AgentTokens, TokenHolder } from './agent-tokens.ts';

/** Where a session finds its API: a directory holding only its socket, mounted read-only. */
export const AGENT_API_MOUNT = '/gantry-api';
const SOCKET = 'api.sock';
/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** One session's API: mount `dir` at AGENT_API_MOUNT and pass `env`; `close` when the session ended. */
export interface SessionApi {
  dir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface AgentApiHostOptions extends Omit<AgentApiDeps, 'task' | 'peers' | 'files'> {
  tokens: AgentTokens;
  /** Sockets go under here (the state directory: in compose, agent containers mount it by the same path). */
  dir: string;
  peers: (task: string) => Promise<Peer[]>;
  files: (task: string) => Promise<string[]>;
}

/**
 * Serves the agent API to each session on a Unix socket of its own: it
 * needs no network (a session with `network: none` still has it), only its
 * own task's socket is mounted into its container, and the token it gets is
 * valid on that socket alone and only while the session runs.
 */
export class AgentApiHost {
  readonly #options: AgentApiHostOptions;

  constructor(options: AgentApiHostOptions) {
    this.#options = options;
  }

  get #socketsDir(): string {
    return join(this.#options.dir, 'sockets');
  }

  /**
   * Removes the socket directories of sessions whose process was killed (a
   * clean end removes its own): those whose socket no one answers on. Other
   * processes sharing the state directory keep theirs, which answer.
   * Returns how many went.
   */
  async sweep(): Promise<number> {
    const dirs = await readdir(this.#socketsDir).catch(() => []);
    let removed = 0;
    for (const name of dirs) {
      const dir = join(this.#socketsDir, name);
      if ((await listening(join(dir, SOCKET))) === false) {
        await rm(dir, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async open(holder: TokenHolder, ttlMs: number, session?: { attempt: number; session: number }): Promise<SessionApi> {
    const { tokens, memory, leases, journal } = this.#options;
    // A directory per session: an earlier session's socket (its process killed) is never in the way.
    const dir = join(this.#socketsDir, randomBytes(8).toString('hex'));
    const path = join(dir, SOCKET);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new GantryError('CONFIG_INVALID', `the agent API socket ${path} is longer than a Unix socket path may be (${MAX_SOCKET_PATH} bytes): choose a shorter state directory (stateDir)`);
    }
    await mkdir(dir, { recursive: true });
    const app = buildAgentApi({
      task: holder, tokens, memory, leases, ...(journal ? { journal } : {}), ...(session ? { session } : {}),
      peers: () => this.#options.peers(holder.task), files: () => this.#options.files(holder.task),
    });
    try {
      await app.listen({ path });
      // The agent runs as another user than gantry; the token, not the file mode, is what guards it.
      await chmod(path, 0o666);
      const token = await tokens.issue(holder, ttlMs);
      return {
        dir,
        env: { GANTRY_API: `${AGENT_API_MOUNT}/${SOCKET}`, GANTRY_TOKEN: token },
        close: async () => {
          await tokens.revoke(token).catch(() => undefined);
          await app.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await app.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

/** Whether something answers on the socket; undefined when that cannot be told (e.g. no permission): leave it. */
function listening(path: string): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? false : undefined));
  });
}
