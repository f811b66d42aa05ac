import { describe, expect, it } from 'vitest';
import { buildReport, renderHtml, type JournalEvent } from '../../harness/reports/index.ts';
import { HOSTILE_REASON, sampleJournal } from '../helpers/sample-journal.ts';

const html = renderHtml(buildReport('r-sample', sampleJournal()));

/** The markup of one chart: from its `<svg id=…>` to its `</svg>`. */
function chart(id: string): string {
  return new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
}

describe('HTML report', () => {
  it('when rendered, it needs nothing outside the file: no script, link, font or URL', () => {
    expect(html).not.toMatch(/<(script|link|iframe|object|embed|img)\b/i);
    expect(html).not.toMatch(/<[a-z]+\s[^>]*\b(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import|@font-face|https?:\/\//i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('when a reason or a task text holds markup, it is shown as text', () => {
    expect(html).not.toContain(HOSTILE_REASON);
    expect(html).toContain('tests failed: &lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;, &#39;yes&#39;)&lt;/script&gt;&lt;img src=x onerror=&quot;');
    expect(html).toContain('Document &lt;b&gt;flags&lt;/b&gt; &amp; &quot;quotes&quot;');
  });

  it('when a role name holds markup, the charts escape it too', () => {
    const events = [
      { ts: '2026-01-01T10:00:00Z', run: 'r', type: 'attempt.started', task: 't', role: '<svg onload=alert(1)>', attempt: 1, fence: 1 },
      { ts: '2026-01-01T10:05:00Z', run: 'r', type: 'task.merged', task: 't', attempt: 1, commit: 'c' },
    ] as JournalEvent[];
    const page = renderHtml(buildReport('r', events));
    expect(page).not.toContain('<svg onload');
    expect(page).toContain('&lt;svg onload=alert(1)&gt;');
  });

  it('when the run has spend and merges, it draws the three charts with their data', () => {
    const report = buildReport('r-sample', sampleJournal());
    const cost = chart('chart-cost');
    const line = /<path class="line" d="([^"]+)"/.exec(cost)?.[1] ?? '';
    expect(line.match(/[ML]/g)).toHaveLength(report.timeline.points.length);
    const merges = chart('chart-merges');
    expect(merges.match(/<rect class="bar"/g)).toHaveLength(report.timeline.points.filter((p) => p.merges > 0).length);
    const perRole = chart('chart-cost-per-merge');
    expect(perRole.match(/<rect class="bar"/g)).toHaveLength(4);
    expect(perRole).toContain('$0.89');
    // The tallest column is the bucket with the most merges: it spans the whole plot height.
    const heights = [...merges.matchAll(/height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...heights)).toBeCloseTo(176, 0);
  });

  it('shows the coordination metrics by role and in total, as the Markdown report does', () => {
    const report = buildReport('r-sample', sampleJournal());
    const section = /<h2>Coordination<\/h2>\n<table>[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const rows = [...section.matchAll(/<tr><td>([^<]+)<\/td>((?:<td class="num">[^<]*<\/td>)+)<\/tr>/g)].map((m) => [m[1], ...[...m[2]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((c) => c[1])]);
    expect(rows.map((row) => row[0])).toEqual([...report.coordination.roles.map((r) => r.role), 'all']);
    const all = rows.at(-1)!;
    expect(all.slice(1, 3)).toEqual([`${report.coordination.total.submissions}`, `${report.coordination.total.conflicts}`]);
  });

  it('when the journal is empty, it still renders a page that says so', () => {
    const page = renderHtml(buildReport('r-empty', []));
    expect(page).toContain('The journal holds no events.');
    expect(page.match(/<svg id="chart-/g)).toHaveLength(4);
    expect(page.match(/no data/g)).toHaveLength(4);
  });
});
