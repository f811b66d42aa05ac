import type { GantryConfig } from '../config/types.ts';
import { messageOf } from '../errors.ts';
import { sessionEnv, sessionPrompt, type AgentAdapter, type SessionContext, type SessionInvocation, type SessionReport } from './agent-adapter.ts';
import { parseClaudeResult } from './claude-result.ts';

/**
 * Claude Code in a container with a read-only root and no one to answer: no
 * self-update, no traffic but the model API, and no retry of a failed model
 * call inside the session. A rate-limited session ends at once and gantry's
 * backoff, shared by every session of the provider (ProviderGate), decides
 * when the next one starts: a retry of the CLI's own would hit the limit
 * again from every agent at once (with N agents, N more refused calls per
 * round) and hold a slot while it waits. The cost: a session that meets a
 * transient server error or a dropped connection ends as failed instead of
 * riding it out. `agent.env` may override these; it also carries
 * ANTHROPIC_API_KEY and, for a proxy or a test server, ANTHROPIC_BASE_URL.
 */
const CLAUDE_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  CLAUDE_CODE_MAX_RETRIES: '0',
  DISABLE_AUTOUPDATER: '1',
};

/**
 * gantry-mcp (in every agent image) as the session's MCP server: gantry-agent's
 * operations as tools (`mcp__gantry__decide`, ...). It is started by the CLI
 * with the session's environment, which holds the agent API's socket and token.
 */
export const GANTRY_MCP_CONFIG = JSON.stringify({ mcpServers: { gantry: { type: 'stdio', command: 'gantry-mcp', args: [] } } });

/**
 * Kind `claude-code`: one `claude -p` run per session, printing a JSON result
 * (read it with parseClaudeResult). Permission prompts are skipped: the
 * container is the sandbox. The runtime gives the container no stdin, so the
 * CLI does not wait for input.
 */
export class ClaudeCodeAgent implements AgentAdapter {
  readonly kind = 'claude-code' as const;
  readonly provider = 'anthropic';
  readonly #config: GantryConfig;

  constructor(config: GantryConfig) {
    this.#config = config;
  }

  invocation(context: SessionContext): SessionInvocation {
    const { model } = this.#config.agent;
    return {
      command: ['claude', '-p', sessionPrompt(context), '--mcp-config', GANTRY_MCP_CONFIG, '--output-format', 'json', '--dangerously-skip-permissions', ...(model === undefined ? [] : ['--model', model])],
      env: { ...CLAUDE_ENV, ...sessionEnv(this.#config, context) },
    };
  }

  report(output: string): SessionReport {
    const usage = { provider: this.provider, costUsd: 0, inputTokens: 0, outputTokens: 0 };
    try {
      const result = parseClaudeResult(output);
      return {
        end: result.end,
        usage: { ...usage, costUsd: result.costUsd, inputTokens: result.inputTokens, outputTokens: result.outputTokens },
        sessionId: result.sessionId,
        turns: result.turns,
        ...(result.end === 'ok' ? {} : { message: result.errorText ?? `the model API answered ${result.apiErrorStatus ?? 'with an error'}` }),
      };
    } catch (error) {
      return { end: 'error', usage, message: messageOf(error) };
    }
  }
}
