/** The environment variable each known provider's CLI reads its key from. */
const KEY_VARIABLES: Readonly<Record<string, string>> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
};

/** Where a person fixes a key the provider refused, in words for a message. */
export function keyToFix(provider: string): string {
  const variable = KEY_VARIABLES[provider];
  return variable === undefined ? `the ${provider} key in agent.env` : `${variable} in agent.env`;
}
