export { Journal, journalPath, readJournal } from './journal.ts';
export { buildReport, renderMarkdown } from './report.ts';
export type { BudgetScope, JournalEvent, JournalEventBody, SessionEnd, SessionUsage } from './events.ts';
export type { RunReport, TaskReport, TaskStatus } from './report.ts';
