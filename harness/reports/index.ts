export { FileJournal, journalPath, readJournal, type Journal } from './journal.ts';
export { InboxJournal, JournalRelay } from './journal-inbox.ts';
export { buildReport } from './report.ts';
export { runsOnDisk, type RunOnDisk } from './runs.ts';
export { renderMarkdown } from './markdown.ts';
export { renderHtml } from './html.ts';
export { eventsSince, parseSince } from './since.ts';
export type { ReportOptions } from './report.ts';
export type { BudgetScope, ContainmentKind, JournalEvent, JournalEventBody, OracleTaskRecord, OracleTrigger, SessionEnd, SessionUsage } from './events.ts';
export type {
  MergeReport, RejectionReport, RoleReport, RunReport, SessionCost, SessionOutcome, StopReport, TaskReport, TaskStatus, Timeline, TimelinePoint,
} from './report-types.ts';
