import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalPath } from '../../harness/reports/index.ts';
import { decodePng } from '../helpers/png.ts';
import { sampleJournal } from '../helpers/sample-journal.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOT = join(ROOT, 'test/artifacts/report.png');
const RUN = 'r-demo';
/** The page's accent colour (#2f6fdb): chart lines and bars are drawn in it. */
const ACCENT = [0x2f, 0x6f, 0xdb] as const;

let dir: string;
let html: string;

function gantry(args: string[]) {
  return execa('node', [join(ROOT, 'harness/cli/main.ts'), '-c', join(dir, 'gantry.yaml'), ...args], { reject: false, timeout: 60_000 });
}

/** Headless Chromium from Debian, root-safe (no sandbox), isolated in its own profile, never touching the network. */
function chromium(args: string[]) {
  return execa('chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--hide-scrollbars',
    `--user-data-dir=${join(dir, 'chromium-profile')}`, ...args,
  ], { reject: false, timeout: 90_000 });
}

beforeAll(async () => {
  const probe = await execa('chromium', ['--version'], { reject: false });
  if (probe.exitCode !== 0) throw new Error('chromium not found: this test renders the HTML report in headless Chromium; install it with `apt-get install -y chromium`');
  dir = await mkdtemp(join(tmpdir(), 'gantry-report-html-'));
  await writeFile(join(dir, 'gantry.yaml'), 'repo:\n  url: ./upstream.git\nagent:\n  kind: command\n  command: "true"\ngate:\n  command: npm test\n');
  const journal = journalPath(join(dir, '.gantry'), RUN);
  await mkdir(resolve(journal, '..'), { recursive: true });
  await writeFile(journal, sampleJournal(RUN).map((event) => `${JSON.stringify(event)}\n`).join(''));
  html = join(dir, 'out', 'report.html');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('gantry report --format html in a browser', () => {
  it('when written with --out, the file holds the whole report and stdout stays empty', async () => {
    const result = await gantry(['report', '--format', 'html', '--run', RUN, '--out', html]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`report written to ${html}`);
    const page = await readFile(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('gantry run r-demo');
  });

  it('when Chromium loads it, the three charts are in the DOM with drawn data and the hostile reason is inert text', async () => {
    const dom = await chromium(['--dump-dom', pathToFileURL(html).href]);
    expect(dom.exitCode, dom.stderr).toBe(0);
    const page = dom.stdout;
    for (const id of ['chart-cost', 'chart-merges', 'chart-cost-per-merge']) expect(page, id).toMatch(new RegExp(`<svg id="${id}"`));
    const svg = (id: string) => new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(page)?.[0] ?? '';
    const line = /<path class="line" d="([^"]+)"/.exec(svg('chart-cost'))?.[1] ?? '';
    expect(line.match(/L/g)?.length ?? 0).toBeGreaterThanOrEqual(10);
    const bars = (id: string, size: 'width' | 'height') => [...svg(id).matchAll(new RegExp(`<rect class="bar"[^>]*? ${size}="([\\d.]+)"`, 'g'))].map((m) => Number(m[1]));
    expect(bars('chart-merges', 'height').filter((h) => h > 0).length).toBeGreaterThanOrEqual(5);
    // core, docs and perf cost something per merge; critic runs a free command agent.
    expect(bars('chart-cost-per-merge', 'width').filter((w) => w > 10)).toHaveLength(3);
    // Had the reason become markup, its script or onerror would have set this attribute, and the elements would be in the DOM.
    expect(page).not.toContain('data-pwned=');
    expect(page).not.toMatch(/<(script|img)\b/i);
    expect(page).toContain('tests failed: &lt;script&gt;document.body.setAttribute(\'data-pwned\', \'yes\')&lt;/script&gt;&lt;img src=x');
  });

  it('when Chromium takes a screenshot, the PNG shows a page with charts in the accent colour', async () => {
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await rm(SCREENSHOT, { force: true });
    const shot = await chromium([`--screenshot=${SCREENSHOT}`, '--window-size=1280,1100', pathToFileURL(html).href]);
    expect(shot.exitCode, shot.stderr).toBe(0);
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(20_000);
    const png = decodePng(await readFile(SCREENSHOT));
    expect([png.width, png.height]).toEqual([1280, 1100]);
    const colours = new Set<number>();
    let accent = 0;
    for (let i = 0; i < png.rgb.length; i += 3) {
      const [r = 0, g = 0, b = 0] = png.rgb.subarray(i, i + 3);
      colours.add((r << 16) | (g << 8) | b);
      if (Math.abs(r - ACCENT[0]) < 8 && Math.abs(g - ACCENT[1]) < 8 && Math.abs(b - ACCENT[2]) < 8) accent += 1;
    }
    expect(colours.size).toBeGreaterThan(50);
    // Bars of the two bar charts alone cover far more than this many pixels.
    expect(accent).toBeGreaterThan(5_000);
  });

  it('when given --since or a bad --since, it narrows the window or says what it expected', async () => {
    const recent = await gantry(['report', '--format', 'json', '--run', RUN, '--since', '2026-03-02T11:00:00Z']);
    expect(recent.exitCode, recent.stderr).toBe(0);
    const report = JSON.parse(recent.stdout) as { since: string; from: string; totals: { merged: number } };
    expect(report.since).toBe('2026-03-02T11:00:00.000Z');
    expect(Date.parse(report.from)).toBeGreaterThanOrEqual(Date.parse('2026-03-02T11:00:00Z'));
    expect(report.totals.merged).toBeGreaterThan(0);
    expect(report.totals.merged).toBeLessThan(20);
    const bad = await gantry(['report', '--run', RUN, '--since', 'yesterday']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('expected an ISO time (2026-01-01T08:00:00Z) or a duration before now (30m, 2h, 1d), got "yesterday"');
  });
});
