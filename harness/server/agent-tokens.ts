import type { Redis } from 'ioredis';
import { RedisTokens } from '../queue/index.ts';

/** Whose a token is: the task a session works on. */
export interface TokenHolder {
  task: string;
  role: string;
}

/** Per-session tokens for the agent API. */
export type AgentTokens = RedisTokens<TokenHolder>;

export function agentTokens(redis: Redis, prefix: string): AgentTokens {
  return new RedisTokens<TokenHolder>(redis, `${prefix}:agent-token:`);
}
