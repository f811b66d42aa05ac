import { describe, expect, it } from 'vitest';
import { quietRepeats } from '../../harness/queue/repeat-filter.ts';

describe('quietRepeats', () => {
  it('when the same error comes again within a minute, it is passed on once; a different one, or the same a minute later, is passed on', () => {
    let now = 0;
    const logged: string[] = [];
    const listener = quietRepeats((error) => logged.push((error as Error).message), () => now);

    for (let i = 0; i < 20; i += 1) listener(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    listener(new Error('read ECONNRESET'));
    now = 59_999;
    listener(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    now = 60_000;
    listener(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

    expect(logged).toEqual(['connect ECONNREFUSED 127.0.0.1:6379', 'read ECONNRESET', 'connect ECONNREFUSED 127.0.0.1:6379']);
  });
});
