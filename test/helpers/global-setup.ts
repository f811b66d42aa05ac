import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { startRedisServer } from './redis-server.ts';

const FIXTURE_IMAGES: Record<string, string> = { 'gantry/test-vitest': 'test/fixtures/images/vitest' };

/** Test images built from fixtures, once per machine (Docker caches them). */
async function ensureFixtureImages(): Promise<void> {
  for (const [image, context] of Object.entries(FIXTURE_IMAGES)) {
    const inspect = await execa('docker', ['image', 'inspect', image], { reject: false });
    if (inspect.exitCode !== 0) await execa('docker', ['build', '-q', '-t', image, context]);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * A real Redis for the integration project, configured the way gantry demands
 * (append-only, noeviction), on a free loopback port; or REDIS_URL when set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureFixtureImages();
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction']);
  project.provide('redisUrl', redis.url);
  return redis.stop;
}
