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

  it('when a task is new, it leaves out the empty sections', () => {
    const brief = renderBrief({ ...base, task: { ...base.task, files: [] }, sessions: [], failures: [] });
    expect(brief).not.toContain('## Previous sessions');
    expect(brief).not.toContain('## Why earlier attempts failed');
    expect(brief).not.toContain('## Relevant files');
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
