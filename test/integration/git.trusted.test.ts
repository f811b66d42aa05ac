import { lstatSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedTrustedPaths, overlayTrusted, trustedMatcher } from '../../harness/git/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

const GLOBS = ['**/*.test.*', '**/*.spec.*', 'test/**', 'tests/**', '**/__tests__/**', 'vitest.config.*', 'vitest.workspace.*', 'jest.config.*'];
/** Not valid UTF-8 and full of NULs: any text decoding on the way would show. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));

const MAIN_FILES: Record<string, string> = {
  'src/sum.ts': 'export const sum = (a: number, b: number) => a + b;\n',
  'test/sum.test.ts': "it('adds', () => expect(sum(1, 2)).toBe(3));\n",
  'test/gone.test.ts': "it('is deleted by the branch', () => expect(gone()).toBe('still here on main'));\n",
  'test/skip.test.ts': "it('is skipped by the branch', () => expect(skip()).toBeTruthy());\n",
  'test/link.test.ts': "it('becomes a symlink on the branch', () => expect(link()).toEqual({ main: true }));\n",
  'test/old-name.test.ts': "describe('renamed by the branch', () => { it('keeps its content', () => {}); });\n",
  'test/[id].test.ts': "it('has glob characters in its name', () => expect(route('[id]')).toBe(1));\n",
  'test/fixtures/data.json': '{ "main": true }\n',
  'test/run.sh': '#!/bin/sh\nexec vitest run\n',
  'vitest.config.ts': 'export default { test: { include: ["test/**"] } };\n',
};

describe('trusted files', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n' });
  let outside: string;
  let main: string;
  let head: string;

  /** Commits `change` in a fresh task work tree, ingests it and returns the branch head. */
  async function branch(taskId: string, change: (dir: string) => Promise<void>): Promise<string> {
    const workspace = await git.repo.workspace(taskId, '1000:1000');
    await change(workspace.path);
    await plainGit(workspace.path, ['add', '--all']);
    await plainGit(workspace.path, ['commit', '--quiet', '-m', `work on ${taskId}`]);
    return (await git.repo.ingest(workspace)).head;
  }

  beforeEach(async () => {
    outside = await mkdtemp(join(tmpdir(), 'gantry-outside-'));
    await writeFile(join(outside, 'victim.txt'), 'untouched\n');

    // Main gets its tests through a merge, so modes and binary content are set exactly.
    const base = await git.repo.mainHead();
    const setup = await branch('setup', async (dir) => {
      await commitFiles(dir, MAIN_FILES, 'tests');
      await chmod(join(dir, 'test/run.sh'), 0o755);
      await writeFile(join(dir, 'test/fixtures/blob.bin'), BINARY);
    });
    const merged = await git.repo.merge(base, setup, 'Merge setup');
    if (!merged.ok) throw new Error('setup merge conflicted');
    expect(await git.repo.compareAndSwapMain(merged.commit, base)).toBe(true);
    main = merged.commit;

    head = await branch('agent', async (dir) => {
      await writeFile(join(dir, 'src/sum.ts'), 'export const sum = (a: number, b: number) => a + b + 0;\n');
      await writeFile(join(dir, 'test/sum.test.ts'), "it('adds', () => expect(true).toBe(true));\n");
      await rm(join(dir, 'test/gone.test.ts'));
      await writeFile(join(dir, 'test/skip.test.ts'), "it.skip('is skipped by the branch', () => expect(skip()).toBeTruthy());\n");
      await rm(join(dir, 'test/link.test.ts'));
      await symlink(join(outside, 'victim.txt'), join(dir, 'test/link.test.ts'));
      await rm(join(dir, 'test/fixtures'), { recursive: true });
      await symlink(outside, join(dir, 'test/fixtures'));
      await plainGit(dir, ['mv', 'test/old-name.test.ts', 'test/renamed.test.ts']);
      await writeFile(join(dir, 'test/[id].test.ts'), "it('has glob characters in its name', () => {});\n");
      await chmod(join(dir, 'test/run.sh'), 0o644);
      await writeFile(join(dir, 'test/new.test.ts'), "it('is a brand new test the agent wrote', () => expect(sum(2, 2)).toBe(4));\n");
      await writeFile(join(dir, 'vitest.config.ts'), 'export default { test: { include: ["nothing/**"] } };\n');
    });
  });

  afterEach(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it("when the branch edits, deletes, skips and links over tests, the overlay puts back main's copies and keeps the new test", async () => {
    const tree = join(git.stateDir, 'tree');
    await git.repo.exportTree(head, tree);
    // The export really holds the attack: the symlinks point outside the tree.
    expect(lstatSync(join(tree, 'test/link.test.ts')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(tree, 'test/fixtures')).isSymbolicLink()).toBe(true);

    const written = await overlayTrusted(git.repo, { mainCommit: main, treeDir: tree, globs: GLOBS });

    expect(written.sort()).toEqual([...Object.keys(MAIN_FILES).filter((p) => p.startsWith('test/') || p === 'vitest.config.ts'), 'test/fixtures/blob.bin'].sort());
    for (const [path, content] of Object.entries(MAIN_FILES)) {
      if (path === 'src/sum.ts') continue;
      expect(lstatSync(join(tree, path)).isFile(), path).toBe(true);
      expect(await readFile(join(tree, path), 'utf8'), path).toBe(content);
    }
    expect(lstatSync(join(tree, 'test/fixtures')).isDirectory()).toBe(true);
    expect(await readFile(join(tree, 'test/fixtures/blob.bin'))).toEqual(BINARY);
    // Modes as main has them: the branch made run.sh non-executable.
    expect(lstatSync(join(tree, 'test/run.sh')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(tree, 'test/sum.test.ts')).mode & 0o111).toBe(0);
    // New tests run; the renamed copy is the branch's, the original is back beside it.
    expect(await readFile(join(tree, 'test/new.test.ts'), 'utf8')).toContain('brand new test');
    expect(await readFile(join(tree, 'test/renamed.test.ts'), 'utf8')).toBe(MAIN_FILES['test/old-name.test.ts']);
    // Untrusted files are the branch's.
    expect(await readFile(join(tree, 'src/sum.ts'), 'utf8')).toContain('a + b + 0');
    // Nothing was written through either link.
    expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('untouched\n');
    expect(readdirSync(outside)).toEqual(['victim.txt']);
    // The staging copy of main is gone.
    expect(readdirSync(git.stateDir).filter((name) => name.startsWith('.trusted-'))).toEqual([]);
  });

  it('when the branch changes trusted files, it lists each change by kind and the new test files apart', async () => {
    const changes = await changedTrustedPaths(git.gitDir, { base: main, head, globs: GLOBS });
    expect(changes.changed).toEqual([
      { path: 'test/[id].test.ts', kind: 'modified' },
      { path: 'test/fixtures/blob.bin', kind: 'deleted' },
      { path: 'test/fixtures/data.json', kind: 'deleted' },
      { path: 'test/gone.test.ts', kind: 'deleted' },
      { path: 'test/link.test.ts', kind: 'type' },
      { path: 'test/old-name.test.ts', kind: 'renamed', to: 'test/renamed.test.ts' },
      { path: 'test/run.sh', kind: 'mode' },
      { path: 'test/skip.test.ts', kind: 'modified' },
      { path: 'test/sum.test.ts', kind: 'modified' },
      { path: 'vitest.config.ts', kind: 'modified' },
    ]);
    expect(changes.added).toEqual(['test/fixtures', 'test/new.test.ts', 'test/renamed.test.ts']);
  });

  it('when main moved on after the branch started, only the branch\'s own changes count', async () => {
    // Main changes a test the branch never touched: measured from the merge base, that is not the branch's change.
    const later = await branch('later', async (dir) => {
      await writeFile(join(dir, 'test/sum.test.ts'), "it('adds better', () => expect(sum(2, 2)).toBe(4));\n");
    });
    const merged = await git.repo.merge(main, later, 'Merge later');
    if (!merged.ok) throw new Error('merge conflicted');
    const onlyNew = await branch('only-new', async (dir) => {
      await mkdir(join(dir, 'src/__tests__'), { recursive: true });
      await writeFile(join(dir, 'src/__tests__/extra.ts'), 'export {};\n');
    });
    const changes = await changedTrustedPaths(git.gitDir, { base: merged.commit, head: onlyNew, globs: GLOBS });
    expect(changes).toEqual({ changed: [], added: ['src/__tests__/extra.ts'] });
  });

  it('when no globs are given or main has no trusted file, the overlay writes nothing', async () => {
    const tree = join(git.stateDir, 'tree');
    await git.repo.exportTree(head, tree);
    expect(await overlayTrusted(git.repo, { mainCommit: main, treeDir: tree, globs: [] })).toEqual([]);
    expect(await overlayTrusted(git.repo, { mainCommit: main, treeDir: tree, globs: ['nothing/**'] })).toEqual([]);
    expect(await readFile(join(tree, 'test/sum.test.ts'), 'utf8')).toContain('expect(true)');
  });
});

describe('trustedMatcher', () => {
  it.each([
    ['a.test.ts', true],
    ['src/deep/a.spec.js', true],
    ['test/.fixtures/x', true],
    ['src/__tests__/helper.ts', true],
    ['vitest.config.mts', true],
    ['src/sum.ts', false],
    ['testing/x.ts', false],
  ])('when the path is %s, it says trusted = %s', (path, expected) => {
    expect(trustedMatcher(GLOBS)(path)).toBe(expected);
  });
});
