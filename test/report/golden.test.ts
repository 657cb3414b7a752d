/**
 * Golden renderings of the study reports: the Markdown, HTML and terminal output for stored studies
 * of every shape the reports know (EPs, a framework baseline, telemetry, threads, compute, a fleet, a
 * tune, failures and incomplete variants, a study without comparisons). The files under golden/ were
 * written by the renderers before they shared one section model; any change to what a report says
 * shows here as a diff. `npx vitest run test/report/golden.test.ts -u` rewrites them after an
 * intended change.
 */
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyDetails, formatStudyTable } from '../../src/report/study-table.js';
import type { VegaAssets } from '../../src/report/vega-assets.js';
import type { StoredStudy } from '../../src/store/types.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { goldenStudies } from './study-fixtures.js';

/** Stand-ins for the Vega builds: the HTML around them is what the golden files hold. */
const ASSETS: VegaAssets = {
  vega: '/* vega */ var x = "</script>";',
  vegaLite: '/* vega-lite */',
  vegaEmbed: '/* vega-embed */',
  versions: { vega: '6.0.0', vegaLite: '6.1.0', vegaEmbed: '7.0.0' },
};

const studies: Array<[string, () => StoredStudy]> = Object.entries(goldenStudies);

describe.each(studies)('golden study reports: %s', (name, make) => {
  const analysis = analyzeStudy(make());
  it('Markdown', async () => {
    await expect(renderMarkdown(analysis)).toMatchFileSnapshot(`golden/${name}.md`);
  });
  it('HTML', async () => {
    await expect(renderHtml(analysis, ASSETS)).toMatchFileSnapshot(`golden/${name}.html`);
  });
  it('terminal (study run, report)', async () => {
    await expect(formatStudyTable(analysis)).toMatchFileSnapshot(`golden/${name}.table.txt`);
  });
  it('terminal (show)', async () => {
    await expect(formatStudyDetails(analysis)).toMatchFileSnapshot(`golden/${name}.show.txt`);
  });
});
