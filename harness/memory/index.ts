export { renderBrief } from './brief.ts';
export type { BriefInput, OtherBranch, PastSession } from './brief.ts';
export { gatherBriefMemory, type BriefMemory, type BriefSubject } from './brief-memory.ts';
export { entryLine, EVERYONE, isFor, matches, MEMORY_KINDS, type MemoryEntry, type MemoryKind, type NewMemoryEntry } from './memory-entry.ts';
export { MemoryStore, type MemoryFilter } from './memory-store.ts';
export { withLeases, type Peer } from './peer.ts';
