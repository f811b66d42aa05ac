import type { GantryConfig } from '../config/types.ts';
import { ConfigError, messageOf } from '../errors.ts';
import { sessionEnv, sessionPrompt, type AgentAdapter, type SessionContext, type SessionInvocation, type SessionReport } from './agent-adapter.ts';
import { parseCodexResult } from './codex-result.ts';
import { priceTokens, type TokenPrice } from './price.ts';

/** Where the model API is when agent.env does not set OPENAI_BASE_URL. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The id of the model provider gantry defines for the CLI. */
const PROVIDER_ID = 'gantry';

/** A TOML value for a `-c key=value` override: JSON's strings, numbers and booleans are TOML too. */
function override(key: string, value: string | number | boolean): string[] {
  return ['-c', `${key}=${JSON.stringify(value)}`];
}

/**
 * The CLI's settings, as `-c` overrides (nothing is written to the read-only
 * root; the CLI keeps its state in $HOME/.codex, a tmpfs per session):
 * - a provider of gantry's own speaking the Responses API at OPENAI_BASE_URL
 *   with the key in OPENAI_API_KEY (both from agent.env; a proxy or a test
 *   server goes in OPENAI_BASE_URL, with its /v1). The key stays in the
 *   environment, out of argv, and the CLI keeps variables named *KEY* out of
 *   the commands it runs;
 * - one retry of a failed model call (stream_max_retries counts every retry of
 *   a turn's request, 429 and 401 included; request_max_retries would add more
 *   for 5xx): the session loop decides what happens next, not a long backoff
 *   inside the session;
 * - no update check, no analytics, no plugin sync from GitHub, no endless
 *   reconnects: no traffic but the model API.
 * `--strict-config` makes a release that no longer knows one of these fail at
 * once instead of ignoring it.
 */
function codexSettings(baseUrl: string): string[] {
  const provider = `model_providers.${PROVIDER_ID}`;
  return [
    ...override('model_provider', PROVIDER_ID),
    ...override(`${provider}.name`, PROVIDER_ID),
    ...override(`${provider}.base_url`, baseUrl),
    ...override(`${provider}.env_key`, 'OPENAI_API_KEY'),
    ...override(`${provider}.wire_api`, 'responses'),
    ...override(`${provider}.request_max_retries`, 0),
    ...override(`${provider}.stream_max_retries`, 1),
    ...override('check_for_update_on_startup', false),
    ...override('analytics.enabled', false),
    ...override('features.plugins', false),
    ...override('features.remote_plugin', false),
    ...override('features.unbounded_connection_retries', false),
  ];
}

/**
 * Kind `codex`: one `codex exec --json` run per session, printing JSONL events
 * (read them with parseCodexResult). Approvals and the CLI's own sandbox are
 * off: the container is the sandbox. `--ephemeral` keeps no session files,
 * since a session never resumes another. The CLI reports tokens but no cost,
 * so `agent.price` is required and prices them.
 */
export class CodexAgent implements AgentAdapter {
  readonly kind = 'codex' as const;
  readonly provider = 'openai';
  readonly #config: GantryConfig;
  readonly #price: TokenPrice;

  constructor(config: GantryConfig) {
    if (config.agent.price === undefined) {
      throw new ConfigError([`${config.file} agent.price: required for agent kind "codex", whose CLI reports tokens but no cost; add the model's prices in dollars per million tokens, e.g. price: { input: 1.25, cachedInput: 0.125, output: 10 }`]);
    }
    this.#config = config;
    this.#price = config.agent.price;
  }

  invocation(context: SessionContext): SessionInvocation {
    const { model, env } = this.#config.agent;
    return {
      command: [
        'codex', 'exec', '--json', '--strict-config', '--ephemeral', '--dangerously-bypass-approvals-and-sandbox',
        ...codexSettings(env.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL),
        ...(model === undefined ? [] : ['--model', model]),
        sessionPrompt(context),
      ],
      env: sessionEnv(this.#config, context),
    };
  }

  report(output: string): SessionReport {
    const usage = { provider: this.provider, costUsd: 0, inputTokens: 0, outputTokens: 0 };
    try {
      const result = parseCodexResult(output);
      return {
        end: result.end,
        usage: { ...usage, costUsd: priceTokens(result.tokens, this.#price), inputTokens: result.tokens.inputTokens, outputTokens: result.tokens.outputTokens },
        sessionId: result.threadId,
        ...(result.end === 'ok' ? {} : { message: result.errorText ?? 'the model API answered with an error' }),
      };
    } catch (error) {
      return { end: 'error', usage, message: messageOf(error) };
    }
  }
}
