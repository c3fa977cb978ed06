/**
 * Browser-test harness: a real Passage server (in-process, listening on a free port) with the
 * demo loaded and shifted to now, the web app built if it is not, and Debian's chromium driven
 * by playwright-core. Tests skip with a clear message when /usr/bin/chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { initialise } from '../../src/app/bootstrap.js';
import { defaultDeps, type Deps } from '../../src/app/deps.js';
import { loadDemo, type DemoResult } from '../../src/demo/scenario.js';
import { buildServer } from '../../src/http/server.js';
import { openStore, type Store } from '../../src/store/store.js';

export const CHROMIUM = process.env.PASSAGE_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_REASON = `browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set PASSAGE_CHROMIUM)`;
export const RESULTS = resolve('test-results');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // WebGL for maplibre through SwiftShader (software), as in CI.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Builds dist/web once if it is missing (npm run build:web does the same). */
export function ensureWebBuild(): void {
  if (existsSync(resolve('dist/web/index.html')) && existsSync(resolve('dist/web/geo/basemap.json'))) return;
  const r = spawnSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

/** Bucha → Kyiv as Ukraine's liaison proposes it in the browser tests: one window on `date`, 09:00–17:00 Kyiv. */
export function buchaKyiv(title: string, date: string): Record<string, unknown> {
  return {
    title,
    route: { type: 'LineString', coordinates: [[30.213, 50.543], [30.523, 50.45]] },
    widthM: 1000,
    origin: { name: 'Bucha', coordinates: [30.213, 50.543] },
    destination: { name: 'Kyiv', coordinates: [30.523, 50.45] },
    direction: 'outbound',
    purposes: ['evacuation'],
    eligibility: ['civilians'],
    windows: [{ start: `${date}T09:00:00+03:00`, end: `${date}T17:00:00+03:00`, timeZone: 'Europe/Kyiv' }],
    requiredGuarantors: ['ua', 'ru'],
  };
}

export interface Harness {
  url: string;
  demo: DemoResult;
  deps: Deps;
  store: Store;
  app: FastifyInstance;
  browser: Browser;
  token(key: string): string;
  member(key: string): DemoResult['members'][number];
  newPage(opts?: { width?: number; height?: number; locale?: string }): Promise<{ page: Page; context: BrowserContext }>;
  /** Uncaught errors thrown in any page since the last call (each test must leave none). */
  takePageErrors(): string[];
  /** Closes the pages opened so far (after each test: an open page follows the event stream and redraws its map on every event). */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One harness for the enclosing describe block: started before its tests, closed after them.
 * Use as `const h = useHarness();` and then `h` like the started harness.
 */
export function useHarness(): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness();
  }, 120_000);
  // An uncaught error in the page fails the test that caused it, even when what it checks passed
  // (a map update arriving after the view had gone threw unnoticed).
  afterEach(async () => {
    // Closed first: a page that stayed open would follow the event stream and redraw its map on
    // every event of every later test, a cost that grew with each test of a file.
    await started?.closePages();
    expect(started?.takePageErrors() ?? [], 'uncaught errors in the page').toEqual([]);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (!started) throw new Error('the browser harness starts in beforeAll: use it inside a test');
      const value = (started as unknown as Record<PropertyKey, unknown>)[key];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}

export async function startHarness(): Promise<Harness> {
  ensureWebBuild();
  const dir = mkdtempSync(join(tmpdir(), 'passage-web-'));
  const store = await openStore(join(dir, 'passage.db'));
  const deps = defaultDeps(store);
  await initialise(deps);
  const demo = await loadDemo(deps, { keysDir: join(dir, 'keys'), now: Date.now() });
  const app = await buildServer(deps);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  mkdirSync(RESULTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const member = (key: string): DemoResult['members'][number] => {
    const m = demo.members.find((x) => x.key === key);
    if (!m) throw new Error(`no demo member ${key}`);
    return m;
  };
  return {
    url: address,
    demo,
    deps,
    store,
    app,
    browser,
    member,
    token: (key) => member(key).token,
    async newPage(opts = {}) {
      // bypassCSP only so that axe-core can be injected; the app itself runs under its CSP otherwise.
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 }, locale: opts.locale ?? 'en-GB', bypassCSP: true, timezoneId: 'Europe/Kyiv' });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => {
        console.error('[browser]', e.message);
        pageErrors.push(e.message);
      });
      page.on('console', (m) => {
        // 404s of optional endpoints are expected; anything else the app logs as an error is shown.
        if (m.type() === 'error' && !/status of (404|401)/.test(m.text())) console.error('[browser console]', m.text());
      });
      return { page, context };
    },
    takePageErrors() {
      return pageErrors.splice(0);
    },
    async closePages() {
      for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.close();
      await store.close();
    },
  };
}

/** Signs in through the form with a demo member's token and waits for the header to show who. */
export async function signIn(h: Harness, page: Page, key: string, path = '/app/'): Promise<void> {
  await page.goto(`${h.url}${path}`);
  await page.locator('#token').fill(h.token(key));
  await page.locator('form.signin button[type=submit]').click();
  await page.locator('#who').waitFor();
}

/** Waits until the maplibre map in `selector` has settled (its `idle` event) after the last change. */
export async function mapIdle(page: Page, selector = '#map'): Promise<void> {
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-idle') !== null, selector, { timeout: 30_000 });
  // Wait for a quiet period: no new idle stamp for 300 ms.
  let last = await page.getAttribute(selector, 'data-idle');
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(300);
    const now = await page.getAttribute(selector, 'data-idle');
    if (now === last) return;
    last = now;
  }
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.1 A/AA and best practices) in the page; returns the violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
}
