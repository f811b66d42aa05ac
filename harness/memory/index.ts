export { renderBrief } from './brief.ts';
export type { BriefInput, OtherBranch, PastSession } from './brief.ts';
