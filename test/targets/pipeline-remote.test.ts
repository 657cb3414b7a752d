/**
 * `edgebench pipeline --target` (real sshd): on a board that runs edgebench, the model, the media
 * (a labelled folder keeps its class folders) and the labels are copied there and the board's own
 * edgebench runs the whole pipeline; the result comes back naming the target, in this machine's
 * paths. On a board without Node (Python only), one line says the pipeline needs edgebench there.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  tempDir,
  writeColourClipModel,
  writeColourImageModel,
  writeColourVideo,
  writeLabelledFolder,
} from '../pipelines/media-fixtures.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

describe.skipIf(sshdSkipReason())('pipeline on a target (CLI, real sshd)', () => {
  let withNode: TestSshd;
  let pythonOnly: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};
  let imageModel = '';
  let labels = '';

  beforeAll(async () => {
    [withNode, pythonOnly] = await Promise.all([startSshd({ withNode: true }), startSshd()]);
    dir = await tempDir('edgebench-pipeline-remote-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml'), EDGEBENCH_CACHE_DIR: path.join(dir, 'cache') };
    for (const [name, sshd] of [
      ['orin', withNode],
      ['nano', pythonOnly],
    ] as const) {
      const added = await runCli(
        ['target', 'add', name, `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig],
        {
          env,
        },
      );
      expect(added.code).toBe(0);
    }
    imageModel = await writeColourImageModel(path.join(dir, 'colour.onnx'));
    labels = path.join(dir, 'labels.txt');
    await writeFile(labels, 'red\ngreen\nblue\n');
  }, 60_000);
  afterAll(async () => {
    await withNode?.stop();
    await pythonOnly?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `pipeline image` of the labelled folder on the target named orin. */
  const imageOnOrin = (images: string) => [
    'pipeline',
    'image',
    '--model',
    imageModel,
    '--images',
    images,
    '--labels',
    labels,
    '--target',
    'orin',
  ];

  it('image: runs on the board with its class folders, and comes back naming the target', async () => {
    const images = await writeLabelledFolder(path.join(dir, 'images'), 1);
    const run = await runCli([...imageOnOrin(images), '--threads', '1', '--json', '-'], {
      env,
      timeoutMs: 180_000,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.schema).toBe('edgebench.image-pipeline');
    expect(result.target).toMatchObject({ name: 'orin', address: 'board', level: 'edgebench' });
    expect(result.stages.units).toBe(3);
    // Accuracy needs the class folders: they survived the copy.
    expect(result.accuracy).toMatchObject({ labelled: 3, correctTop1: 3 });
    // Paths are this machine's again, not the device cache's.
    for (const p of result.predictions) expect(p.file.startsWith(images)).toBe(true);
    expect(result.model.path).toBe(imageModel);
    expect(run.stdout).not.toMatch(/\.cache\/edgebench/);

    const table = await runCli(imageOnOrin(images), { env, timeoutMs: 180_000 });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^target orin \(board\): run there by edgebench pipeline image/);
    expect(table.stdout).toMatch(/accuracy on 3 labelled images: top-1 100\.0%/);
  }, 400_000);

  it('video: the clip model and the video are copied and run there', async () => {
    const clipModel = await writeColourClipModel(path.join(dir, 'clip.onnx'), { frames: 8 });
    const video = await writeColourVideo(path.join(dir, 'rg.mp4'), ['red', 'green'], 1, 10);
    const run = await runCli(
      [
        'pipeline',
        'video',
        '--model',
        clipModel,
        '--video',
        video,
        '--labels',
        labels,
        // Not the default (half the clip, 4): the board must be told.
        '--stride',
        '3',
        '--threads',
        '1',
        '--target',
        'orin',
        '--json',
        '-',
      ],
      { env, timeoutMs: 180_000 },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.kind).toBe('video-pipeline');
    expect(result.target.name).toBe('orin');
    expect(JSON.stringify(result)).toContain(video);
    expect(result.stages.units).toBeGreaterThan(0);
    // The pipeline's own flags reached the board's edgebench.
    expect(result.config.effective.stride).toBe(3);
  }, 300_000);

  it('a board without edgebench: one line, exit 2, pointing at run --target', async () => {
    const images = path.join(dir, 'images');
    const run = await runCli(
      ['pipeline', 'image', '--model', imageModel, '--images', images, '--target', 'nano'],
      {
        env,
        timeoutMs: 120_000,
      },
    );
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^edgebench: the pipeline .* on nano it needs edgebench on the device \(Node 20 or later.*no Node\.js.*edgebench run MODEL --target nano$/,
    );
  }, 180_000);
});
