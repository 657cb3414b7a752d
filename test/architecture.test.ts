/**
 * The layers of src/ only point down, with no import cycle: dependency-cruiser checks the real tree
 * with the project's rules (.dependency-cruiser.cjs), and is shown to fail on a tree with an upward
 * import. docs/design.md's picture is the one the rules draw, and names every folder of src/.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = path.join(REPO, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): { violations: Violation[]; modules: number } {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser printed nothing: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

describe('architecture', () => {
  it('src/ has no upward import and no cycle', () => {
    const { violations, modules } = cruise(REPO);
    expect(modules).toBeGreaterThan(200);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('fails on an upward import and on a cycle', async () => {
    const dir = await tempDir('edgebench-layers-');
    await mkdir(path.join(dir, 'src', 'core'), { recursive: true });
    await mkdir(path.join(dir, 'src', 'measure'), { recursive: true });
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext' } }),
    );
    // The core reaching up into measure: the kind of import the layers forbid.
    await writeFile(
      path.join(dir, 'src', 'core', 'loop.ts'),
      "import { m } from '../measure/measure.js';\nexport const l = m;\n",
    );
    await writeFile(path.join(dir, 'src', 'measure', 'measure.ts'), 'export const m = 1;\n');
    await writeFile(
      path.join(dir, 'src', 'measure', 'a.ts'),
      "import { b } from './b.js';\nexport const a = b;\n",
    );
    await writeFile(
      path.join(dir, 'src', 'measure', 'b.ts'),
      "import { a } from './a.js';\nexport const b = () => a;\n",
    );
    const names = cruise(dir).violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(names).toContain('no-upward-import-from-core: src/core/loop.ts → src/measure/measure.ts');
    expect(names.some((n) => n.startsWith('no-circular: src/measure/'))).toBe(true);
  });

  it('docs/design.md draws the layers the rules enforce, and names every folder of src/', async () => {
    const require = createRequire(import.meta.url);
    const { LAYERS } = require(CONFIG) as { LAYERS: Array<{ folders: string[] }> };
    const { designDiagram } = (await import(path.join(REPO, 'scripts', 'design-diagram.mjs'))) as {
      designDiagram: () => string;
    };
    const design = await readFile(path.join(REPO, 'docs', 'design.md'), 'utf8');
    expect(design).toContain(designDiagram());
    const inSrc = (await readdir(path.join(REPO, 'src'), { withFileTypes: true }))
      .map((e) => e.name)
      .filter((n) => !n.endsWith('.d.ts'))
      .sort();
    expect(LAYERS.flatMap((l) => l.folders).sort()).toEqual(inSrc);
    for (const name of inSrc) expect(design, `docs/design.md names src/${name}`).toContain(`src/${name}`);
  });
});
