import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The harness logger. JSON by default (for files and log shippers); a person at
 * a terminal gets pino-pretty with GANTRY_LOG_PRETTY=1. Secrets never reach a
 * log line: the redact paths cover every place a key can sit.
 */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const pretty = process.env.GANTRY_LOG_PRETTY === '1';
  return pino({
    name: options.name ?? 'gantry',
    level: options.level ?? process.env.GANTRY_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', 'authorization', '*.apiKey', '*.token', '*.password', '*.authorization', '*.headers.authorization', '*.headers.cookie', 'env.ANTHROPIC_API_KEY', 'env.OPENAI_API_KEY', '*.env.*_KEY'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { destination: 2 } } } : {}),
  }, pretty ? undefined : (options.destination ?? pino.destination(2)));
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
