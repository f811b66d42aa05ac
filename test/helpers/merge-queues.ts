import { MergeQueue, type MergeQueueDeps } from '../../harness/gate/index.ts';
import type { RedisTestContext } from './redis.ts';

/** Starts a merge queue that is closed after the test, before its Redis keys go (it holds connections and a consumer loop). */
export async function openMergeQueue(redis: RedisTestContext, deps: MergeQueueDeps): Promise<MergeQueue> {
  const queue = new MergeQueue(deps);
  redis.defer(() => queue.close(5_000));
  await queue.start();
  return queue;
}
