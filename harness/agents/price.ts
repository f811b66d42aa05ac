import type { GantryConfig } from '../config/types.ts';

/** Dollars per million tokens, as `agent.price` holds them once normalized. */
export type TokenPrice = NonNullable<GantryConfig['agent']['price']>;

export interface TokenCounts {
  /** Every prompt token, cached or not (OpenAI's `input_tokens`). */
  inputTokens: number;
  /** Of `inputTokens`, those read from the prompt cache. */
  cachedInputTokens: number;
  /** Every output token, reasoning included (OpenAI's `output_tokens`). */
  outputTokens: number;
}

/**
 * What a session's tokens cost in dollars, for CLIs that count tokens but not
 * money: cached prompt tokens at `cachedInput`, the rest of the prompt at
 * `input`, output at `output`.
 */
export function priceTokens(tokens: TokenCounts, price: TokenPrice): number {
  const uncached = Math.max(0, tokens.inputTokens - tokens.cachedInputTokens);
  return (uncached * price.input + tokens.cachedInputTokens * price.cachedInput + tokens.outputTokens * price.output) / 1_000_000;
}
