/**
 * Opens the HTML report in headless Chromium (Debian's `chromium` package, driven by playwright-core)
 * with the network cut off, and checks that every chart renders and carries the run's numbers.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { loadVegaAssets } from '../../src/report/vega-assets.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import { fakeStudy } from './fixture.js';
import { fakeTuneStudy } from './tune-fixture.js';

afterAll(removeTempDirs);

const CHROMIUM = process.env.EDGEBENCH_CHROMIUM ?? '/usr/bin/chromium';
const CHART_IDS = ['chart-speedup', 'chart-distribution', 'chart-timeline', 'chart-fidelity'];

describe('HTML report in a browser', () => {
  it('renders every chart offline, without console errors, with the run numbers', async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
    ).toBe(true);
    const analysis = analyzeStudy(fakeStudy());
    const file = path.join(tempDir('edgebench-html-'), 'report.html');
    writeFileSync(file, renderHtml(analysis, await loadVegaAssets()));

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const external: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        external.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      const outcomes = await page.evaluate(async () => {
        const w = globalThis as unknown as { edgebenchCharts: Promise<PromiseSettledResult<unknown>[]> };
        return (await w.edgebenchCharts).map((r) => r.status);
      });
      expect(outcomes).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      for (const id of CHART_IDS) {
        expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
        expect(
          await page.locator(`#${id} svg .mark-symbol path, #${id} svg path, #${id} svg rect`).count(),
        ).toBeGreaterThan(0);
      }
      // The speedup chart draws each computed speedup as a label, and its marks describe their values.
      const speedupText = (await page.locator('#chart-speedup svg text').allTextContents()).join(' ');
      const aria = (
        await page
          .locator('#chart-speedup svg [aria-label]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))
      ).join(' ');
      const computed = analysis.comparisons.filter((c) => c.estimate);
      expect(computed.length).toBe(5);
      for (const c of computed) {
        expect(speedupText).toContain(`${c.estimate!.speedup.toFixed(2)}×`);
        expect(aria).toContain(c.model);
      }
      const fidelityText = (await page.locator('#chart-fidelity svg text').allTextContents()).join(' ');
      expect(fidelityText).toContain('27.5 dB');
      expect(fidelityText).toContain('identical');
      // The tables repeat the figures as text.
      const table = (await page.locator('table.results').textContent()) ?? '';
      expect(table).toContain(`+${computed[0].estimate!.improvementPct.toFixed(1)}%`);
      expect(errors).toEqual([]);
      expect(external).toEqual([]);

      // A tune run's report adds the Pareto chart and the racing timeline.
      const tuneFile = path.join(path.dirname(file), 'tune.html');
      writeFileSync(tuneFile, renderHtml(analyzeStudy(fakeTuneStudy()), await loadVegaAssets()));
      await page.goto(pathToFileURL(tuneFile).href);
      const tuneOutcomes = await page.evaluate(async () => {
        const w = globalThis as unknown as { edgebenchCharts: Promise<PromiseSettledResult<unknown>[]> };
        return (await w.edgebenchCharts).map((r) => r.status);
      });
      expect(tuneOutcomes.every((o) => o === 'fulfilled')).toBe(true);
      for (const id of ['chart-pareto', 'chart-racing'])
        expect(await page.locator(`#${id} svg`).count(), id).toBe(1);
      const pareto = (await page.locator('#chart-pareto svg text').allTextContents()).join(' ');
      expect(pareto).toContain('winner');
      expect((await page.locator('table.leaderboard').textContent()) ?? '').toContain('rejected by budget');
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
