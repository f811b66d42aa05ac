export { buildAgentApi, type AgentApiDeps } from './agent-api.ts';
export { AGENT_API_MOUNT, AgentApiHost, type AgentApiHostOptions, type SessionApi } from './agent-api-host.ts';
export { AgentTokens, type TokenHolder } from './agent-tokens.ts';
