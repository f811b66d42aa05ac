/**
 * gantry.yaml: read and check it, and its reference documentation.
 *
 *   const config = await loadConfig('gantry.yaml');            // throws ConfigError
 *   const { issues, warnings } = await checkConfig('gantry.yaml', { probeRepo: true });
 */
export { checkConfig, loadConfig } from './load.ts';
export type { CheckOptions, CheckResult } from './load.ts';
export { renderConfigReference } from './docs.ts';
export { ConfigSchema } from './schema.ts';
export type { GantryConfig } from './types.ts';
export { shareConfig, sharedConfig, type WorkerSettings } from './shared-config.ts';
