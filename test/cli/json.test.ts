/**
 * One `--json [FILE]` convention: `--json` (or `--json -`) prints the result's JSON document alone
 * on stdout; `--json FILE` writes the same document to FILE and prints the usual output. Every
 * document names its kind in `schema` and its version in `schemaVersion`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { writeFixtureModels } from '../helpers/tiny-models.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let models: Awaited<ReturnType<typeof writeFixtureModels>>;

beforeAll(async () => {
  dir = await tempDir();
  env = { EDGEBENCH_CACHE_DIR: path.join(dir, 'cache'), EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
  models = await writeFixtureModels(dir);
});

/** The command's document on stdout, and the one `--json FILE` writes (with the human output on stdout). */
async function bothWays(args: string[], schema: string): Promise<{ printed: unknown; written: unknown }> {
  const toStdout = await runCli([...args, '--json'], { env });
  expect(toStdout.code, toStdout.stderr).toBe(0);
  const printed = JSON.parse(toStdout.stdout) as { schema: string; schemaVersion: number };
  expect(printed).toMatchObject({ schema, schemaVersion: expect.any(Number) });
  const file = path.join(dir, `${schema}.json`);
  const toFile = await runCli([...args, '--json', file], { env });
  expect(toFile.code, toFile.stderr).toBe(0);
  expect(toFile.stdout.trim()).not.toBe('');
  expect(() => JSON.parse(toFile.stdout)).toThrow();
  expect(toFile.stderr).toContain(`result written to ${file}`);
  return { printed, written: JSON.parse(await readFile(file, 'utf8')) };
}

describe('--json [FILE]', () => {
  it('zoo list: the same document on stdout and in FILE', async () => {
    const { printed, written } = await bothWays(['zoo', 'list'], 'edgebench.zoo-models');
    expect(written).toEqual(printed);
    expect((printed as { models: { name: string }[] }).models.map((m) => m.name)).toContain('resnet18');
  });

  it('inspect: the same document; a word after --json that the command needs is its argument', async () => {
    const { printed, written } = await bothWays(['inspect', models.fixed], 'edgebench.model-analysis');
    expect(written).toEqual(printed);
    const before = await runCli(['inspect', '--json', models.fixed], { env });
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual(printed);
    const dash = await runCli(['inspect', models.fixed, '--json', '-'], { env });
    expect(JSON.parse(dash.stdout)).toEqual(printed);
  });

  it('target list and env: documents with their schema', async () => {
    const targets = await bothWays(['target', 'list'], 'edgebench.targets');
    expect(targets.written).toEqual(targets.printed);
    expect(targets.printed).toMatchObject({ targets: [] });
    const environment = await bothWays(['env'], 'edgebench.environment');
    expect(Object.keys(environment.written as object)).toEqual(Object.keys(environment.printed as object));
  });

  it('run: --json alone prints the result, and keeps its schemaVersion', async () => {
    const fast = ['--warmup-count', '1', '--min-time', '0', '--min-count', '5', '--threads', '1'];
    const { printed, written } = await bothWays(['run', models.fixed, ...fast], 'edgebench.run-result');
    for (const doc of [printed, written])
      expect(doc).toMatchObject({
        schema: 'edgebench.run-result',
        schemaVersion: 1,
        tool: { name: 'edgebench' },
      });
    expect(Object.keys(written as object)).toEqual(Object.keys(printed as object));
  });

  it('refuses a FILE it could not write before doing the work', async () => {
    const r = await runCli(['zoo', 'list', '--json', path.join(dir, 'missing', 'x.json')], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--json \S+: cannot write in \S+ \(missing or not writable\)/);
    const bad = await runCli(['inspect', models.fixed, '--json', dir], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--json \S+ is a directory/);
  });
});
