/**
 * The report as a person sees it: built from a real run on two worker threads, opened in headless
 * Chromium (Debian's `chromium`, driven by playwright-core; a fresh profile, no network).
 * Skipped, with the reason printed, only when Chromium is missing and cannot be installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { ThreadScheduler } from '@tessera/scheduler';
import { CHROMIUM_ARGS, Profiler, ResourceProfiler, diagnose, screenshotReport, writeReport } from '@tessera/diagnostics';
import { pipelineGraph } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const count = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

interface Measured {
  rows: { worker: number; top: number; bottom: number; label: string; inside: boolean }[];
  drawn: number;
  narrowest: number;
  aggregated: number;
  bars: number;
  note: string;
  legend: string[];
}

/** Runs in the page (plain JS: this package is typechecked without DOM types). */
const MEASURE = `(() => {
  const note = document.getElementById('aggregation');
  const rows = [...document.querySelectorAll('#stream-svg g.row')].map((g) => {
    const lane = g.querySelector('rect.lane').getBoundingClientRect();
    const inside = [...g.querySelectorAll('rect.task, g.agg rect')].every((r) => {
      const b = r.getBoundingClientRect();
      return b.top >= lane.top - 0.5 && b.bottom <= lane.bottom + 0.5 && b.width > 0;
    });
    return { worker: Number(g.getAttribute('data-worker')), top: lane.top, bottom: lane.bottom, label: g.querySelector('text').textContent, inside };
  });
  const tasks = [...document.querySelectorAll('#stream-svg rect.task')];
  return {
    rows,
    drawn: tasks.length,
    narrowest: Math.min(...tasks.map((r) => r.getBoundingClientRect().width)),
    aggregated: [...document.querySelectorAll('#stream-svg g.agg')].reduce((a, g) => a + Number(g.getAttribute('data-count')), 0),
    bars: document.querySelectorAll('#stream-svg g.agg').length,
    note: note.textContent,
    legend: [...document.querySelectorAll('.legend li')].map((li) => li.textContent),
  };
})()`;

function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const script = fileURLToPath(new URL('../../../.ci/install-chromium.sh', import.meta.url));
  try {
    execFileSync('bash', [script], { stdio: 'inherit', timeout: 280_000 });
  } catch (error) {
    return `installing Chromium failed: ${(error as Error).message}`;
  }
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing and .ci/install-chromium.sh could not install it`;
}

const skipReason = ensureChromium();
if (skipReason) console.warn(`SKIPPED the headless-Chromium report test: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('HTML report in headless Chromium', () => {
  let dir = '';
  let html = '';
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];
  const prof = new Profiler();
  const workers: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-chromium-test-'));
    const threads = new ThreadScheduler({ threads: 2 });
    try {
      const res = new ResourceProfiler({ interval: 5 });
      await diagnose([prof, res], () => threads.run(pipelineGraph(8, 300, 3).graph, ['total']));
      workers.push(...threads.threadIds);
      html = join(dir, 'report.html');
      await writeReport([prof, res], html, { title: 'chromium test' });
    } finally {
      await threads.close();
    }
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1400, height: 900 },
    });
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws one rectangle per task (or the stated aggregate) and one row per worker', async () => {
    const dom = (await page.evaluate(MEASURE)) as Measured;
    expect(dom.drawn + dom.aggregated).toBe(prof.records.length);
    expect(dom.drawn).toBeGreaterThanOrEqual(24); // the 8 reads, 8 scalings and 8 links at least
    expect(dom.narrowest).toBeGreaterThanOrEqual(1);
    expect(dom.note).toContain(`${count(dom.aggregated, 'task')} aggregated into ${count(dom.bars, 'bar')}`);
    expect(dom.note).toContain(`${count(dom.drawn, 'task')} drawn one by one`);
    const seen = [...new Set(prof.records.map((r) => r.worker))].sort((a, b) => a - b);
    expect(seen).toEqual([...workers].sort((a, b) => a - b));
    expect(dom.rows.map((r) => r.worker)).toEqual(seen);
    expect(dom.rows.map((r) => r.label)).toEqual(seen.map((w) => `worker ${w}`));
    for (const r of dom.rows) expect(r.inside).toBe(true);
    for (let i = 1; i < dom.rows.length; i++) expect(dom.rows[i]!.top).toBeGreaterThanOrEqual(dom.rows[i - 1]!.bottom);
    expect(dom.legend.map((l) => l.replace(/ \(.*$/, '')).sort()).toEqual(['link', 'load', 'math.add', 'math.sum', 'scale']);
  });

  it('hover shows the task key, kernel and duration', async () => {
    const link = prof.records.find((r) => r.key === 'link-3')!;
    await page.hover('#stream-svg rect.task[data-key="link-3"]');
    const tip = page.locator('#tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const text = await tip.textContent();
    expect(text).toContain('link-3');
    expect(text).toMatch(/link · [\d.]+ ms/);
    expect(text).toContain(`worker ${link.worker}`);
    await page.hover('#stream-svg g.agg >> nth=0');
    expect(await tip.textContent()).toMatch(/small tasks? started here, busy \d+%\nmath\.add: /);
    await page.mouse.move(2, 2);
    await expect.poll(() => tip.isVisible()).toBe(false);
  });

  it('made no network request and raised no error', () => {
    expect(requests).toEqual([pathToFileURL(html).href]);
    expect(errors).toEqual([]);
  });

  it('screenshotReport writes a PNG of the page', async () => {
    const png = join(dir, 'report.png');
    await screenshotReport(html, png, { width: 1200 });
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await stat(png)).size).toBeGreaterThan(20_000);
    expect(bytes.readUInt32BE(16)).toBe(1200); // IHDR width
  });
});
