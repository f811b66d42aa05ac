import type { GantryConfig } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import type { AgentAdapter } from './agent-adapter.ts';
import { ClaudeCodeAgent } from './claude-code.ts';
import { CommandAgent } from './command-agent.ts';

export { CONTAINER_PATHS, sessionEnv } from './agent-adapter.ts';
export type { AgentAdapter, AgentEnd, SessionContext, SessionInvocation, SessionReport } from './agent-adapter.ts';
export { ClaudeCodeAgent } from './claude-code.ts';
export { parseClaudeResult, type ClaudeEnd, type ClaudeResult } from './claude-result.ts';
export { CommandAgent } from './command-agent.ts';
export { CommandResultSchema, parseCommandResult } from './command-result.ts';

/** The adapter for the configured agent kind. */
export function agentFor(config: GantryConfig): AgentAdapter {
  switch (config.agent.kind) {
    case 'command':
      return new CommandAgent(config);
    case 'claude-code':
      return new ClaudeCodeAgent(config);
    default:
      throw new ConfigError([`${config.file} agent.kind: "${config.agent.kind}" is not available in this version; use kind: command or claude-code`]);
  }
}
