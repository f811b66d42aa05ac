export { buildAgentApi, type AgentApiDeps } from './agent-api.ts';
export { AGENT_API_MOUNT, AgentApiHost, type AgentApiHostOptions, type SessionApi } from './agent-api-host.ts';
export { agentTokens, type AgentTokens, type TokenHolder } from './agent-tokens.ts';
export { dashboardFile, readDashboardAddress, startDashboard, type DashboardAddress, type DashboardServer } from './dashboard-server.ts';
export { isLoopback, sameToken } from './server-access.ts';
