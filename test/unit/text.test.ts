import { describe, expect, it } from 'vitest';
import { firstOf } from '../../harness/text.ts';

describe('firstOf', () => {
  it('names every item of a short list', () => {
    expect(firstOf(['a', 'b'], 2)).toBe('a, b');
  });

  it('names the first items of a long one and says how many more there are', () => {
    expect(firstOf(['a', 'b', 'c', 'd'], 2)).toBe('a, b, and 2 more');
  });
});
