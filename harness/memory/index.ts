export { renderBrief } from './brief.ts';
export type { BriefInput, PastSession } from './brief.ts';
