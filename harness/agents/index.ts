import type { GantryConfig } from '../config/types.ts';
import type { AgentAdapter } from './agent-adapter.ts';
import { ClaudeCodeAgent } from './claude-code.ts';
import { CodexAgent } from './codex.ts';
import { CommandAgent } from './command-agent.ts';

export { agentGitIdentity, CONTAINER_PATHS, sessionEnv, sessionPrompt } from './agent-adapter.ts';
export type { AgentAdapter, AgentEnd, SessionContext, SessionInvocation, SessionReport } from './agent-adapter.ts';
export { ClaudeCodeAgent, GANTRY_MCP_CONFIG } from './claude-code.ts';
export { parseClaudeResult, type ClaudeEnd, type ClaudeResult } from './claude-result.ts';
export { CodexAgent, OPENAI_DEFAULT_BASE_URL } from './codex.ts';
export { parseCodexResult, type CodexResult } from './codex-result.ts';
export { CommandAgent } from './command-agent.ts';
export { CommandResultSchema, parseCommandResult } from './command-result.ts';
export { priceTokens, type TokenCounts, type TokenPrice } from './price.ts';
export { blockedError, ProviderGate, type ProviderBlock, type ProviderGateOptions, type ProviderVerdict } from './provider-gate.ts';

/** The adapter for the configured agent kind. */
export function agentFor(config: GantryConfig): AgentAdapter {
  switch (config.agent.kind) {
    case 'command':
      return new CommandAgent(config);
    case 'claude-code':
      return new ClaudeCodeAgent(config);
    case 'codex':
      return new CodexAgent(config);
  }
}
