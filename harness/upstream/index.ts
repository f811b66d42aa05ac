export { startUpstreamServer, type UpstreamServer, type UpstreamServerOptions, type UpstreamTraffic } from './upstream-server.ts';
export { upstreamTokens, type UpstreamGrant, type UpstreamTokens } from './upstream-tokens.ts';
export { serverCredentials, UPSTREAM_TOKEN_ENV, workerCredentials } from './upstream-credentials.ts';
