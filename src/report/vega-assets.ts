/**
 * The Vega, Vega-Lite and vega-embed browser builds, read from node_modules at report time so the HTML
 * report can inline them and work offline. The only I/O of the HTML report.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface VegaAssets {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
  versions: { vega: string; vegaLite: string; vegaEmbed: string };
}

const require = createRequire(import.meta.url);

/** The package's main file lives in its build/ folder, beside the .min.js browser build. */
async function readBuild(pkg: string, minFile: string): Promise<{ code: string; version: string }> {
  const main = require.resolve(pkg);
  const buildDir = path.dirname(main);
  const code = await readFile(path.join(buildDir, minFile), 'utf8');
  let version = 'unknown';
  try {
    const manifest = JSON.parse(await readFile(path.join(buildDir, '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    version = manifest.version ?? version;
  } catch {
    // The version is only shown in the report's footer.
  }
  return { code, version };
}

let cached: Promise<VegaAssets> | undefined;

export function loadVegaAssets(): Promise<VegaAssets> {
  cached ??= (async () => {
    const [vega, vegaLite, vegaEmbed] = await Promise.all([
      readBuild('vega', 'vega.min.js'),
      readBuild('vega-lite', 'vega-lite.min.js'),
      readBuild('vega-embed', 'vega-embed.min.js'),
    ]);
    return {
      vega: vega.code,
      vegaLite: vegaLite.code,
      vegaEmbed: vegaEmbed.code,
      versions: { vega: vega.version, vegaLite: vegaLite.version, vegaEmbed: vegaEmbed.version },
    };
  })();
  return cached;
}
