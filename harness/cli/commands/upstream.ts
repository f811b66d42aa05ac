import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { startUpstreamServer, UPSTREAM_TOKEN_ENV } from '../../upstream/index.ts';
import { openContext } from '../context.ts';

/** Shorter would be guessable by anyone who can reach the port. */
const MIN_TOKEN_LENGTH = 16;

export function registerUpstream(program: Command, configFile: () => string): void {
  const upstream = program.command('upstream').description('The upstream repository over git\'s smart HTTP, for workers on other hosts (docs/scale.md)');
  upstream
    .command('serve')
    .description(`Serve a bare repository: ${UPSTREAM_TOKEN_ENV} may do anything (the gate's controllers hold it); a worker's token pushes only its task's branch`)
    .requiredOption('--repo <dir>', 'the bare repository to serve')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free one)', '7341')
    .action(async (options: { repo: string; host: string; port: string }) => {
      const token = process.env[UPSTREAM_TOKEN_ENV] ?? '';
      if (token.length < MIN_TOKEN_LENGTH) {
        throw new ConfigError([`${UPSTREAM_TOKEN_ENV}: set it to a secret of at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`); the controllers that push main need the same value`]);
      }
      const repo = resolve(options.repo);
      if (!existsSync(join(repo, 'HEAD')) || !existsSync(join(repo, 'objects'))) {
        throw new ConfigError([`--repo ${repo}: not a bare git repository (no HEAD and objects/): give the repository's .git directory or a bare clone (\`git clone --bare\`)`]);
      }
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError([`--port ${options.port}: give a port from 0 to 65535`]);
      const context = await openContext(configFile());
      const server = await startUpstreamServer({ repo, host: options.host, port, token, redis: context.redis, prefix: context.config.queue.prefix, logger: context.logger });
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((done) => {
        process.once('SIGTERM', () => done());
        process.once('SIGINT', () => done());
      });
      await server.close();
      await context.close();
    });
}
