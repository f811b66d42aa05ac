import { describe, expect, it } from 'vitest';
import { renderBrief, type BriefInput } from '../../harness/memory/index.ts';

const base: BriefInput = {
  task: { id: 'abc123', text: 'note alpha', role: 'core', files: ['notes/*.txt'], acceptance: 'sh test.sh', source: 'manual', createdAt: '2026-01-01T00:00:00Z' },
  attempt: 2,
  maxAttempts: 3,
  session: 1,
  maxSessions: 5,
  sessions: [{ attempt: 1, session: 1, end: 'failed', exitCode: 3, durationMs: 1500 }],
  failures: ['attempt 1: the tests failed:\nFAIL notes/alpha.txt'],
  paths: { workTree: '/work', doneFile: '/work/.gantry/done' },
  main: 'trunk',
};

describe('the brief', () => {
  it('when a task was tried before, it gives the task on line 3, the acceptance, the files, past sessions and why they failed', () => {
    const brief = renderBrief(base);
    const lines = brief.split('\n');
    expect(lines[0]).toBe('# Task abc123');
    expect(lines[2]).toBe('note alpha');
    expect(brief).toContain('Attempt 2 of 3, session 1 of at most 5.');
    expect(brief).toContain('`sh test.sh`');
    expect(brief).toContain('- notes/*.txt');
    expect(brief).toContain('- attempt 1, session 1: failed (exit 3, 2 s)');
    expect(brief).toContain('- attempt 1: the tests failed:\n  FAIL notes/alpha.txt');
    expect(brief).toContain('/work/.gantry/done');
    expect(brief).toContain('`gantry-test --fast`');
    expect(brief).toContain('`gantry-agent sync` and merge or rebase onto `origin/trunk`');
  });

  it('when the shared memory has a handoff, decisions, messages and peers, each has its section in that order, before the other branches', () => {
    const entry = { task: 'abc123', role: 'core', at: '2026-01-01T00:00:00Z' };
    const brief = renderBrief({
      ...base,
      otherBranches: [{ task: 'def456', role: 'docs', files: ['README.md'], conflicts: [] }],
      memory: {
        handoff: { ...entry, id: '1-0', kind: 'handoff', text: 'half done: parser left' },
        learned: [{ ...entry, id: '2-0', kind: 'decision', text: 'one file per note', why: 'the suite reads them' }, { ...entry, task: 'zzz', role: 'perf', id: '3-0', kind: 'lesson', text: 'cache the index' }],
        messages: [{ ...entry, task: 'def456', role: 'docs', id: '4-0', kind: 'message', to: 'core', text: 'README changed' }],
        peers: [{ task: 'def456', role: 'docs', branch: 'gantry/def456', files: ['README.md'] }, { task: 'ghi789', role: 'core', branch: 'gantry/ghi789', files: [] }],
      },
    });
    expect(brief).toContain('## Handoff from the last session\n\nhalf done: parser left\n');
    expect(brief).toContain('## Messages for you\n\n- from task def456 (docs) to core: README changed\n');
    expect(brief).toContain('## Decisions and lessons\n\n- decision by task abc123 (core): one file per note (why: the suite reads them)\n- lesson by task zzz (perf): cache the index\n');
    expect(brief).toContain('## Peers: every other task at work\n\n- task def456 (docs) on `gantry/def456`: README.md\n- task ghi789 (core) on `gantry/ghi789`: no files yet\n');
    const order = ['## Handoff', '## Messages', '## Decisions', '## Other branches', '## Peers', '## How to work'].map((title) => brief.indexOf(title));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((index) => index > 0)).toBe(true);
  });

  it('when a task is new, it leaves out the empty sections', () => {
    const brief = renderBrief({ ...base, task: { ...base.task, files: [] }, sessions: [], failures: [] });
    expect(brief).not.toContain('## Previous sessions');
    expect(brief).not.toContain('## Why earlier attempts failed');
    expect(brief).not.toContain('## Relevant files');
    expect(renderBrief({ ...base, memory: { learned: [], messages: [], peers: [] } })).not.toMatch(/## (Handoff|Messages|Decisions|Peers)/);
  });

  it('when the task has a role, its standing prompt and the files it may change come before the instructions', () => {
    const role = {
      name: 'docs', count: 1, priority: 30, prompt: 'You maintain the documentation.', agent: {}, limits: {},
      scope: { owns: ['docs/**', '**/*.md'], avoid: ['docs/api/**'] }, file: '/roles/docs.yaml', builtIn: true,
    };
    const brief = renderBrief({ ...base, role });
    expect(brief).toContain('## Your role: docs\n\nYou maintain the documentation.\n\nYou may change only files matching `docs/**`, `**/*.md`.\nDo not change files matching `docs/api/**`.\n');
    expect(brief.indexOf('## Your role')).toBeLessThan(brief.indexOf('## How to work'));
    const anywhere = renderBrief({ ...base, role: { ...role, scope: { owns: ['**'], avoid: [] } } });
    expect(anywhere).toContain('## Your role: docs\n\nYou maintain the documentation.\n\n## ');
  });
});
