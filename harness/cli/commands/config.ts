import type { Command } from 'commander';
import { checkConfig } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { checkRedisDurability, connectRedis } from '../../queue/index.ts';
import { silentLogger } from '../../log.ts';

export function registerConfig(program: Command, configFile: () => string): void {
  const config = program.command('config').description('Check and explain gantry.yaml');
  config
    .command('check')
    .description('Validate the config, reach the repository and Redis; print every problem as file:line field: message')
    .option('--no-probe', 'only check the file; do not reach the repository or Redis')
    .action(async (options: { probe: boolean }) => {
      const result = await checkConfig(configFile(), { probeRepo: options.probe });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (result.issues.length > 0 || !result.config) throw new ConfigError(result.issues);
      if (options.probe) {
        const redis = await connectRedis(result.config.redisUrl, silentLogger);
        try {
          await checkRedisDurability(redis, result.config.redisUrl);
        } finally {
          redis.disconnect();
        }
      }
      process.stdout.write(`${configFile()}: ok\n`);
    });
}
