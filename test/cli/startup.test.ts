/**
 * The CLI starts fast because each command loads what it measures with only when its action runs:
 * the modules read to parse a command line (main, the program, each command's flags) import no npm
 * package but commander. Checked on the sources' static imports (a structural fact, not a timing).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_NAMES, invokedCommand } from '../../src/cli/program.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const STATIC_IMPORT = /^\s*(import|export)\s+(?!type\b)([^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** The static (value) imports of a source file: `import type` and `await import()` are not loads at start-up. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(STATIC_IMPORT)].map((m) => m[3]);
}

/** Every npm package the static import closure of `entry` reaches, with the chain that reaches it. */
function packagesReached(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const stack: Array<[string, string[]]> = [[entry, []]];
  while (stack.length > 0) {
    const [file, chain] = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const here = [...chain, path.relative(SRC, file)];
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) stack.push([target, here]);
      } else if (!spec.startsWith('node:') && !packages.has(spec)) packages.set(spec, here.join(' > '));
    }
  }
  return packages;
}

describe('start-up', () => {
  it('parses any command line without loading a package but commander', () => {
    const entries = [
      'cli/main.ts',
      'cli/program.ts',
      'cli/run-cli.ts',
      ...COMMAND_NAMES.map((name) => `cli/${name}.ts`),
    ];
    const heavy: string[] = [];
    for (const entry of entries) {
      for (const [pkg, chain] of packagesReached(path.join(SRC, entry)))
        if (pkg !== 'commander') heavy.push(`${pkg} <= ${chain}`);
    }
    expect(heavy).toEqual([]);
  });

  it('checks itself: a static import of a heavy module is found', () => {
    expect([...packagesReached(path.join(SRC, 'measure/benchmark.ts')).keys()]).toContain('protobufjs');
  });

  it('registers every command file, and loads only the one invoked', async () => {
    const files = readdirSync(path.join(SRC, 'cli')).filter((f) => f.endsWith('.ts'));
    for (const name of COMMAND_NAMES) expect(files).toContain(`${name}.ts`);
    expect(invokedCommand(['--debug', 'run', 'model.onnx'])).toBe('run');
    expect(invokedCommand(['help', 'study'])).toBe('study');
    expect(invokedCommand(['--version'])).toBeUndefined();
    const program = await buildProgram(['run', '--help']);
    const run = program.commands.find((c) => c.name() === 'run')!;
    const study = program.commands.find((c) => c.name() === 'study')!;
    expect(run.options.length).toBeGreaterThan(10);
    expect(study.options).toEqual([]);
    // Every command still lists its summary, and gets its flags when asked for all.
    const all = await buildProgram([], true);
    expect(all.commands.map((c) => c.name())).toEqual([...COMMAND_NAMES]);
    for (const c of all.commands) expect(c.description()).not.toBe('');
  });
});
