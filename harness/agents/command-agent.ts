import type { GantryConfig } from '../config/types.ts';
import { ConfigError } from '../errors.ts';
import { sessionEnv, type AgentAdapter, type SessionContext, type SessionInvocation, type SessionReport } from './agent-adapter.ts';
import { parseCommandResult } from './command-result.ts';

/** Kind `command`: any shell command is the agent; it may print gantry's result line (command-result.ts). */
export class CommandAgent implements AgentAdapter {
  readonly kind = 'command' as const;
  readonly provider = 'command';
  readonly #config: GantryConfig;
  readonly #command: string;

  constructor(config: GantryConfig) {
    if (!config.agent.command) {
      throw new ConfigError([`${config.file} agent.command: required for agent kind "command", e.g. command: ./agent.sh`]);
    }
    this.#config = config;
    this.#command = config.agent.command;
  }

  invocation(context: SessionContext): SessionInvocation {
    return { command: ['sh', '-c', this.#command], env: sessionEnv(this.#config, context) };
  }

  report(output: string): SessionReport {
    return parseCommandResult(output);
  }
}
