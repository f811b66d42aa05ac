import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/index.ts';
import { resolveRepoUrl, sizeToBytes } from '../../harness/config/normalize.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/config');

describe('config normalization', () => {
  it('when only required fields are set, it fills every default in the internal form', async () => {
    const config = await loadConfig(path.join(FIXTURES, 'minimal.yaml'), { env: {} });

    expect(config).toEqual({
      file: path.join(FIXTURES, 'minimal.yaml'),
      repo: { url: path.join(FIXTURES, 'upstream.git'), main: 'main', tokens: false },
      concurrency: 4,
      stateDir: path.join(FIXTURES, '.gantry'),
      agent: {
        kind: 'command',
        image: 'gantry/agent-base',
        command: "sh -c 'echo hi > note.txt && git add -A && git commit -qm note && gantry-agent done'",
        env: {},
      },
      gate: {
        command: 'npm test', format: 'exit-code', results: 'file', image: 'gantry/agent-base', timeoutMs: 600_000,
        trusted: [
          '**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**', '**/__tests__/**', 'vitest.config.*', 'vitest.workspace.*', 'jest.config.*',
          '.github/workflows/**', '.gitlab-ci.yml', '.circleci/**', '.buildkite/**', 'Jenkinsfile',
        ],
        testChanges: 'review', reruns: 2, quarantine: 0.2, fastBudget: 0.05,
      },
      limits: { sessions: 5, sessionTimeoutMs: 1_800_000, taskTimeoutMs: 7_200_000, retries: 2, idleTimeoutMs: 600_000, branchFiles: 10_000, minFreeDiskBytes: 1024 ** 3 },
      container: {
        memoryBytes: 2 * 1024 ** 3, nanoCpus: 1_000_000_000, pids: 512, network: 'bridge', user: '1000:1000', fileSizeBytes: 1024 ** 3, diskBytes: 10 * 1024 ** 3, files: 200_000,
      },
      queue: { prefix: 'gantry', leaseMs: 30_000 },
      shutdown: { graceMs: 60_000, forceMs: 30_000 },
      server: { enabled: true, host: '127.0.0.1', port: 7340 },
      budget: { perRole: {} },
      roles: { scope: 'reject', sources: [], overlap: 'wait', roles: expect.any(Object) },
      redisUrl: 'redis://127.0.0.1:6379',
    });
    // With no roles.dir, the roles are gantry's own.
    expect(Object.values(config.roles.roles).map((role) => [role.name, role.builtIn])).toEqual([
      ['core', true], ['critic', true], ['dedup', true], ['docs', true], ['perf', true],
    ]);
  });

  it('when every field is set, it converts paths, sizes, CPUs and durations', async () => {
    const config = await loadConfig(path.join(FIXTURES, 'full.yaml'), { env: { REDIS_URL: 'redis://10.0.0.5:6380/2' } });

    expect(config.stateDir).toBe(path.resolve(FIXTURES, '../state/gantry'));
    expect(config.repo).toEqual({ url: 'git@git.example.com:acme/app.git', main: 'trunk', tokens: true });
    expect(config.container).toEqual({
      memoryBytes: 512 * 1024 ** 2, nanoCpus: 1_500_000_000, pids: 256, network: 'none', user: '1001:1001', fileSizeBytes: 256 * 1024 ** 2, diskBytes: 4 * 1024 ** 3, files: 50_000,
    });
    expect(config.gate).toEqual({
      command: 'npm test -- --reporter=dot', format: 'vitest', results: 'stdout', select: 'npx vitest run {files} -t {pattern}',
      image: 'acme/test:1', timeoutMs: 900_000, trusted: ['spec/**'], testChanges: 'deny', reruns: 1, quarantine: 0.5, fastBudget: 0.1,
    });
    expect(config.limits).toEqual({ sessions: 3, sessionTimeoutMs: 600_000, taskTimeoutMs: 3_600_000, retries: 1, idleTimeoutMs: 300_000, branchFiles: 2_000, minFreeDiskBytes: 2 * 1024 ** 3 });
    expect(config.queue).toEqual({ prefix: 'acme-gantry', leaseMs: 45_000 });
    expect(config.shutdown).toEqual({ graceMs: 20_000, forceMs: 5_000 });
    expect(config.agent.env).toEqual({ HTTPS_PROXY: 'http://proxy.internal:3128', LANG: 'C.UTF-8' });
    expect(config.redisUrl).toBe('redis://10.0.0.5:6380/2');
  });

  it('when GANTRY_SERVER_HOST, _PORT and _TOKEN are set, they override server: in the file; a bad port or a short token is refused by name', async () => {
    const minimal = path.join(FIXTURES, 'minimal.yaml');
    const config = await loadConfig(minimal, { env: { GANTRY_SERVER_HOST: '0.0.0.0', GANTRY_SERVER_PORT: '0', GANTRY_SERVER_TOKEN: 'a-long-enough-random-token' } });
    expect(config.server).toEqual({ enabled: true, host: '0.0.0.0', port: 0, token: 'a-long-enough-random-token' });
    await expect(loadConfig(minimal, { env: { GANTRY_SERVER_PORT: '80000' } })).rejects.toThrow('GANTRY_SERVER_PORT=80000: expected a TCP port');
    await expect(loadConfig(minimal, { env: { GANTRY_SERVER_TOKEN: 'short' } })).rejects.toThrow('GANTRY_SERVER_TOKEN is shorter than 16 characters');
  });

  it.each([
    ['./upstream.git', '/srv/project/upstream.git'],
    ['../shared/app', '/srv/shared/app'],
    ['upstream', '/srv/project/upstream'],
    ['/var/git/app.git', '/var/git/app.git'],
    ['https://git.example.com/acme/app.git', 'https://git.example.com/acme/app.git'],
    ['ssh://git@git.example.com:2222/acme/app.git', 'ssh://git@git.example.com:2222/acme/app.git'],
    ['file:///var/git/app.git', 'file:///var/git/app.git'],
    ['git@github.com:acme/app.git', 'git@github.com:acme/app.git'],
  ])('when repo.url is %s, it becomes %s', (url, expected) => {
    expect(resolveRepoUrl(url, '/srv/project')).toBe(expected);
  });

  it.each([
    ['0', 0],
    ['4096', 4096],
    ['512b', 512],
    ['64k', 64 * 1024],
    ['512m', 512 * 1024 ** 2],
    ['512MB', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['2GiB', 2 * 1024 ** 3],
  ])('when the size is %s, it is %d bytes', (size, bytes) => {
    expect(sizeToBytes(size)).toBe(bytes);
  });
});
