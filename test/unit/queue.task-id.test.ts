import { describe, expect, it } from 'vitest';
import { taskId } from '../../harness/queue/index.ts';

describe('taskId', () => {
  const spec = { source: 'manual', text: 'fix the build' };

  it('when given a task, it gives the first 16 hex chars of sha256(source NUL text)', () => {
    // printf 'manual\0fix the build' | sha256sum
    expect(taskId(spec)).toBe('446fd959757295ff');
  });

  it('when the hash is all digits, which BullMQ would refuse as a jobId, its first digit becomes f', () => {
    // printf 'manual\0note s128' | sha256sum: 1980440922371978…
    expect(taskId({ source: 'manual', text: 'note s128' })).toBe('f980440922371978');
  });

  it('when the same task is given twice, it gives the same id', () => {
    expect(taskId({ ...spec })).toBe(taskId(spec));
  });

  it('when the text differs only in spacing, it gives the same id', () => {
    expect(taskId({ source: 'manual', text: '  fix   the\n\tbuild \n' })).toBe(taskId(spec));
  });

  it('when the text differs in words or case, it gives another id', () => {
    expect(taskId({ source: 'manual', text: 'fix the tests' })).not.toBe(taskId(spec));
    expect(taskId({ source: 'manual', text: 'Fix the build' })).not.toBe(taskId(spec));
  });

  it('when the source differs, it gives another id', () => {
    expect(taskId({ source: 'gate', text: 'fix the build' })).not.toBe(taskId(spec));
  });

  it('when a subject is given, it identifies the task instead of the text', () => {
    // printf 'manual\0fix-build' | sha256sum
    expect(taskId({ ...spec, subject: 'fix-build' })).toBe('7115aa12ad9d9002');
    expect(taskId({ source: 'manual', text: 'other words', subject: 'fix-build' })).toBe('7115aa12ad9d9002');
  });

  it('when source and subject would run together, the separator keeps them apart', () => {
    expect(taskId({ source: 'ab', text: '', subject: 'c' })).not.toBe(taskId({ source: 'a', text: '', subject: 'bc' }));
  });
});
