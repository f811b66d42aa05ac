import { sharedPath } from '../roles/index.ts';
import { isFor, type MemoryEntry } from './memory-entry.ts';
import type { MemoryStore } from './memory-store.ts';
import type { Peer } from './peer.ts';

/** What the shared memory adds to a session's brief. */
export interface BriefMemory {
  /** The last handoff an earlier session of this task left. */
  handoff?: MemoryEntry;
  /** Decisions and lessons of this task, its role, or work on its files; newest last. */
  learned: MemoryEntry[];
  /** Messages for this task (by id, role or to all) that no earlier brief of it showed. */
  messages: MemoryEntry[];
  /** Every other task at work now. */
  peers: Peer[];
}

/** Enough to act on; the rest is a `gantry-agent` query away. */
const LEARNED_SHOWN = 20;

export interface BriefSubject {
  id: string;
  role: string;
  /** Declared globs and the files its branch changes. */
  files: readonly string[];
}

/**
 * Collects the memory for the brief of the next session of `task`, and marks
 * the messages it shows as delivered: a message reaches each recipient's
 * next session once, and stays in `gantry-agent inbox`.
 */
export async function gatherBriefMemory(store: MemoryStore, task: BriefSubject, peers: readonly Peer[]): Promise<BriefMemory> {
  const entries = await store.list();
  const handoff = entries.filter((entry) => entry.kind === 'handoff' && entry.task === task.id).at(-1);
  const learned = entries.filter((entry) => (entry.kind === 'decision' || entry.kind === 'lesson') && concerns(entry, task)).slice(-LEARNED_SHOWN);
  const seen = await store.seen(task.id);
  const messages = entries.filter((entry) => isFor(entry, task) && (seen === undefined || laterId(entry.id, seen)));
  const last = messages.at(-1);
  if (last) await store.markSeen(task.id, last.id);
  return { ...(handoff ? { handoff } : {}), learned, messages, peers: [...peers] };
}

function concerns(entry: MemoryEntry, task: BriefSubject): boolean {
  return entry.task === task.id || entry.role === task.role || sharedPath(task.files, entry.files ?? []) !== undefined;
}

/** Stream ids `ms-seq`, compared as numbers. */
function laterId(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am > bm : as > bs;
}
