/**
 * The fuzz harness: builds cases (mutated models through `inspect` and `run`, mutated study specs
 * through `study --dry-run`, corrupt media through `pipeline image`, and the holes an earlier fuzz
 * found), runs each in a long-lived child that executes the CLI in process (cli-child.ts), and checks
 * every outcome against the error contract:
 *
 * - exit code 0 or 2, never 1, never a signal, never a hang (a per-case timeout kills the child);
 * - a failure prints exactly one line on stderr, `edgebench: …`; a success prints only warnings;
 * - no `internal error`, no onnxruntime log line (`[E:onnxruntime…]`), no raw control character.
 *
 * Used by test/fuzz/fuzz.test.ts (a bounded run) and bench/fuzz.mjs (a long one). Seeded: the same
 * seed builds the same cases.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { attr, type Model } from '../../src/onnx/ir.js';
import { modelToBytes } from '../../src/onnx/model-io.js';
import { mulberry32 } from '../../src/util/prng.js';
import { denseReluModel } from '../helpers/tiny-models.js';
import { smallConvNet } from '../optimize/helpers.js';
import { writeBadImages, writeColourImageModel } from '../pipelines/media-fixtures.js';
import { mutateModel, pick, type Random } from './mutators.js';
import { beginMarker, type ChildReply, type ChildRequest, endMarker } from './protocol.js';
import { SEEDS } from './seeds.js';

export interface FuzzCase {
  /** What the case is, in words (with the mutations applied). */
  name: string;
  argv: string[];
  /** The command must fail (exit 2); otherwise 0 and 2 are both fine. */
  mustFail?: boolean;
  timeoutMs: number;
}

export type CaseOutcome =
  | { status: 'exit'; code: number; stdout: string; stderr: string; threw?: string }
  | { status: 'hang'; stdout: string; stderr: string }
  | { status: 'died'; how: string; stdout: string; stderr: string };

export interface Finding {
  case: FuzzCase;
  problems: string[];
  stderr: string;
}

/** Control characters a terminal would act on (newlines and tabs are fine), and bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ORT_LOG = /\[[VIWEF]:onnxruntime/;
/** What a successful command may print on stderr besides warnings. */
const SUCCESS_STDERR = [/^warning: /, /^result written to /];

/** Everything wrong with one outcome (empty: it kept the contract). */
export function checkOutcome(c: FuzzCase, outcome: CaseOutcome): string[] {
  const problems: string[] = [];
  if (outcome.status === 'hang') problems.push(`no answer within ${c.timeoutMs / 1000} s (hang)`);
  if (outcome.status === 'died') problems.push(`the process died: ${outcome.how}`);
  if (outcome.status === 'exit') {
    if (outcome.threw) problems.push(`runCli threw: ${outcome.threw}`);
    if (outcome.code !== 0 && outcome.code !== 2) problems.push(`exit code ${outcome.code}`);
    if (c.mustFail && outcome.code === 0) problems.push('exit code 0 where the input is bad');
    const lines = outcome.stderr.split('\n').filter((l) => l.trim() !== '');
    if (outcome.code === 2 && (lines.length !== 1 || !lines[0].startsWith('edgebench: ')))
      problems.push(`a failure must print one line 'edgebench: …' on stderr, got ${lines.length} lines`);
    if (outcome.code === 0) {
      const stray = lines.filter((l) => !SUCCESS_STDERR.some((re) => re.test(l)));
      if (stray.length > 0) problems.push(`unexpected stderr on success: ${JSON.stringify(stray[0])}`);
    }
  }
  if (/internal error/.test(outcome.stderr)) problems.push('internal error');
  for (const [stream, text] of [
    ['stderr', outcome.stderr],
    ['stdout', outcome.stdout],
  ] as const) {
    if (ORT_LOG.test(text)) problems.push(`onnxruntime's own log line on ${stream}`);
    const bad = UNPRINTABLE.exec(text);
    if (bad)
      problems.push(
        `raw control character ${JSON.stringify(bad[0])} on ${stream} near ${JSON.stringify(text.slice(Math.max(0, bad.index - 40), bad.index + 10))}`,
      );
  }
  return problems;
}

function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

interface Pending {
  id: number;
  reply?: ChildReply;
  resolve: (outcome: CaseOutcome) => void;
}

/** A child that runs command lines in process (cli-child.ts); restarted after a hang or a death. */
export class InProcessCli {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private stdout = '';
  private stderr = '';
  private pending?: Pending;
  private nextId = 1;

  private start(): Promise<void> {
    const file = fileURLToPath(new URL('./cli-child.ts', import.meta.url));
    const child = fork(file, [], {
      execArgv: ['--import', tsxLoader()],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // A store or zoo cache of the developer's must not be touched.
      env: { ...process.env, EDGEBENCH_STORE: ':memory:', EDGEBENCH_VERBOSE: '', EDGEBENCH_DEBUG: '' },
    });
    this.child = child;
    this.stdout = '';
    this.stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
      this.settle();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
      this.settle();
    });
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: ChildReply | { ready: true }) => {
        if ('ready' in message) resolve();
        else if (this.pending && message.id === this.pending.id) {
          this.pending.reply = message;
          this.settle();
        }
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        const pending = this.pending;
        if (pending) {
          this.pending = undefined;
          pending.resolve({
            status: 'died',
            how: signal ? `signal ${signal}` : `exit code ${code}`,
            ...this.partialText(pending.id),
          });
        } else reject(new Error(`the CLI child exited before it was ready (${signal ?? code})`));
      });
    });
    return this.ready;
  }

  /** The case's output between its markers, once both end markers have come. */
  private caseText(id: number): { stdout: string; stderr: string } | undefined {
    const cut = (text: string) => {
      const begin = text.indexOf(beginMarker(id));
      const end = text.indexOf(endMarker(id));
      return begin < 0 || end < 0 ? undefined : text.slice(begin + beginMarker(id).length, end);
    };
    const stdout = cut(this.stdout);
    const stderr = cut(this.stderr);
    return stdout === undefined || stderr === undefined ? undefined : { stdout, stderr };
  }

  /** What the case printed so far (it hung or died before its end markers). */
  private partialText(id: number): { stdout: string; stderr: string } {
    const after = (text: string) => {
      const begin = text.indexOf(beginMarker(id));
      return begin < 0 ? text : text.slice(begin + beginMarker(id).length);
    };
    return { stdout: after(this.stdout), stderr: after(this.stderr) };
  }

  private settle(): void {
    const pending = this.pending;
    if (!pending?.reply) return;
    const text = this.caseText(pending.id);
    if (!text) return;
    this.pending = undefined;
    const trim = (s: string) => s.slice(s.indexOf(endMarker(pending.id)) + endMarker(pending.id).length);
    this.stdout = trim(this.stdout);
    this.stderr = trim(this.stderr);
    pending.resolve({
      status: 'exit',
      code: pending.reply.code,
      ...text,
      ...(pending.reply.threw ? { threw: pending.reply.threw } : {}),
    });
  }

  async run(c: FuzzCase): Promise<CaseOutcome> {
    if (!this.child) await this.start();
    else await this.ready;
    const child = this.child!;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        const text = this.partialText(id);
        this.child = undefined;
        child.kill('SIGKILL');
        resolve({ status: 'hang', ...text });
      }, c.timeoutMs);
      this.pending = {
        id,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      const request: ChildRequest = { id, argv: c.argv };
      child.send(request);
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

/** Runs a case through the built CLI (dist/cli/main.js), a process of its own. */
export function runBuiltCli(c: FuzzCase): Promise<CaseOutcome> {
  const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  return new Promise((resolve, reject) => {
    if (!existsSync(main)) {
      reject(new Error('dist/cli/main.js is missing: npm run build first'));
      return;
    }
    const child = spawn(process.execPath, [main, ...c.argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EDGEBENCH_STORE: ':memory:', EDGEBENCH_VERBOSE: '', EDGEBENCH_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, c.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hung) resolve({ status: 'hang', stdout, stderr });
      else if (signal) resolve({ status: 'died', how: `signal ${signal}`, stdout, stderr });
      else resolve({ status: 'exit', code: code ?? -1, stdout, stderr });
    });
  });
}

// -------------------------------------------------------------------------------------------------
// Cases

/** `run` with stop rules short enough for a fuzz: one first run, two timed ones, no telemetry. */
const FAST_RUN = [
  '--json',
  '-',
  '--telemetry-interval',
  '0',
  '--warmup-count',
  '0',
  '--warmup-time',
  '0',
  '--min-count',
  '1',
  '--min-time',
  '0',
  '--max-count',
  '2',
  '--max-time',
  '2000',
];

export interface Timeouts {
  inspectMs: number;
  runMs: number;
}

/** Mutated models, each through one of inspect, inspect --json, inspect --no-run, or run. */
export async function modelCases(
  dir: string,
  random: Random,
  count: number,
  timeouts: Timeouts,
): Promise<FuzzCase[]> {
  await mkdir(dir, { recursive: true });
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const mutated = mutateModel(SEEDS, random);
    const file = path.join(dir, `model-${i}.onnx`);
    await writeFile(file, mutated.bytes);
    const roll = random();
    const argv =
      roll < 0.55
        ? ['inspect', file]
        : roll < 0.65
          ? ['inspect', file, '--json']
          : roll < 0.7
            ? ['inspect', file, '--no-run']
            : ['run', file, ...FAST_RUN];
    cases.push({
      name: `${argv[0]} #${i} (${mutated.description})`,
      argv,
      timeoutMs: argv[0] === 'run' ? timeouts.runMs : timeouts.inspectMs,
    });
  }
  return cases;
}

async function save(dir: string, name: string, model: Model): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, modelToBytes(model));
  return file;
}

/** A FIFO (named pipe) at `file`, or undefined where mkfifo is missing. */
function makeFifo(file: string): string | undefined {
  try {
    execFileSync('mkfifo', [file]);
    return file;
  } catch {
    return undefined;
  }
}

/** The holes an earlier fuzz found, one case each: every one must now fail cleanly (exit 2). */
export async function holeCases(dir: string, timeouts: Timeouts): Promise<FuzzCase[]> {
  await mkdir(dir, { recursive: true });
  const inspect = (name: string, file: string): FuzzCase => ({
    name,
    argv: ['inspect', file],
    mustFail: true,
    timeoutMs: timeouts.inspectMs,
  });
  const run = (name: string, file: string, extra: string[] = []): FuzzCase => ({
    name,
    argv: ['run', file, ...FAST_RUN, ...extra],
    mustFail: true,
    timeoutMs: timeouts.runMs,
  });

  const untyped = smallConvNet();
  untyped.graph.inputs[0] = { name: untyped.graph.inputs[0].name };
  const pool = untyped.graph.nodes.find((n) => n.opType === 'MaxPool');
  if (pool) delete pool.attributes.strides;
  const cyclic = denseReluModel(16, 8, 2);
  cyclic.graph.nodes[0].inputs[0] = 'y';
  const noOutputs = denseReluModel(16, 8, 2);
  noOutputs.graph.outputs = [];
  const huge = denseReluModel(16, 8, 2);
  huge.graph.inputs[0].shape = [2 ** 40, 16];
  const concat = smallConvNet();
  const concatNode = concat.graph.nodes.find((n) => n.opType === 'Concat')!;
  concatNode.attributes.axis = attr.int(2147483648);
  const kernel = smallConvNet();
  kernel.graph.nodes.find((n) => n.opType === 'Conv')!.attributes.group = attr.int(3);
  const binary = denseReluModel(16, 8, 2);
  const hostile = 'x\u001b[31m\u0007\u0000\u009b';
  binary.graph.inputs[0].name = hostile;
  binary.graph.nodes[0].inputs[0] = hostile;
  binary.graph.inputs[0].dataType = 'int32';
  const good = await save(dir, 'good.onnx', denseReluModel(16, 8, 2));

  const cases: FuzzCase[] = [
    inspect('inspect: graph input with no type', await save(dir, 'untyped.onnx', untyped)),
    inspect('inspect: graph with a cycle', await save(dir, 'cycle.onnx', cyclic)),
    inspect('inspect: Concat axis 2147483648 (hung before)', await save(dir, 'concat-axis.onnx', concat)),
    run('run: graph with a cycle (onnxruntime refuses it)', path.join(dir, 'cycle.onnx')),
    run('run: kernel fails in session.run', await save(dir, 'kernel.onnx', kernel)),
    run('run: no graph outputs', await save(dir, 'no-outputs.onnx', noOutputs)),
    run('run: huge input dimension', await save(dir, 'huge.onnx', huge)),
    run('run: binary bytes in a tensor name', await save(dir, 'binary-name.onnx', binary)),
    run('run: --threads 99999999', good, ['--threads', '99999999']),
    run('run: --inter-op-threads 99999999', good, ['--inter-op-threads', '99999999']),
    run('run: --shape too large to allocate', await save(dir, 'dynamic.onnx', denseReluModel()), [
      '--shape',
      'x=99999999999x16',
    ]),
    { ...inspect('inspect: binary bytes in names', path.join(dir, 'binary-name.onnx')), mustFail: false },
    inspect('inspect: /dev/zero as the model', '/dev/zero'),
  ];
  const fifo = makeFifo(path.join(dir, 'model-fifo.onnx'));
  if (fifo) cases.push(inspect('inspect: a FIFO as the model', fifo));
  return cases;
}

// -------------------------------------------------------------------------------------------------
// Study specs

function baseSpec(model: string): string {
  return `name: fuzz\nmodels: [${JSON.stringify(model)}]\noptimized:\n  - { name: all, recipes: [], graphOptLevel: all }\nthreads: [0, 1]\nrounds: 2\nstopRules: { minTimeMs: 10, minCount: 2 }\n`;
}

/** Hand-written hostile specs: the classes of the earlier fuzz's 34 bad specs, and then some. */
function hostileSpecs(model: string): Array<{ name: string; text: string }> {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`),
    'models: [*g]',
    'optimized: [{ name: o }]',
  ].join('\n');
  const base = baseSpec(model);
  return [
    { name: 'YAML alias bomb', text: bomb },
    { name: 'threads: [99999999]', text: base.replace('threads: [0, 1]', 'threads: [99999999]') },
    { name: 'threads: [-1]', text: base.replace('threads: [0, 1]', 'threads: [-1]') },
    { name: 'threads: [1e300]', text: base.replace('threads: [0, 1]', 'threads: [1e300]') },
    { name: 'rounds: huge', text: base.replace('rounds: 2', 'rounds: 99999999999') },
    { name: 'stop rules negative', text: base.replace('minTimeMs: 10', 'minTimeMs: -5') },
    { name: 'unknown field', text: `${base}frobnicate: true\n` },
    { name: 'duplicate key', text: `${base}rounds: 3\n` },
    { name: 'a list', text: '- a\n- b\n' },
    { name: 'a scalar', text: '42\n' },
    { name: 'empty', text: '' },
    { name: 'null document', text: '~\n' },
    { name: 'tabs for indentation', text: base.replace(/\n {2}/g, '\n\t') },
    { name: 'control bytes in a name', text: base.replace('name: fuzz', 'name: "fu\\x1b[31mzz\\x07"') },
    { name: 'raw control bytes in the text', text: base.replace('name: fuzz', 'name: fu\u001b[31mzz\u0000') },
    { name: 'binary model ref', text: base.replace(JSON.stringify(model), '"zoo:\\x1b]0;pwned\\x07"') },
    { name: 'a zoo model that does not exist', text: base.replace(JSON.stringify(model), 'zoo:nonexistent') },
    { name: 'unknown tag', text: `${base}seed: !!js/function "function () {}"\n` },
    { name: 'binary tag', text: `${base}description: !!binary "AAECAwQ="\n` },
    { name: 'merge key', text: 'x: &x { name: o }\noptimized: [{ <<: *x }]\nmodels: [zoo:resnet18]\n' },
    { name: 'unterminated flow', text: base.replace('optimized:\n', 'optimized: [\n') },
    { name: 'deep nesting', text: `models: ${'['.repeat(2000)}${']'.repeat(2000)}\n` },
    { name: 'very long line', text: `name: ${'a'.repeat(200_000)}\n${base}` },
    {
      name: 'JSON truncated',
      text: JSON.stringify({ models: [model], optimized: [{ name: 'o' }] }).slice(0, 30),
    },
    { name: 'invalid UTF-8', text: `name: \udcff\ud800x\n${base}` },
    { name: 'BOM and CRLF', text: `\ufeff${base.replace(/\n/g, '\r\n')}` },
    { name: 'undefined alias', text: `${base}description: *nowhere\n` },
    { name: 'many documents', text: `${base}---\n${base}` },
    { name: 'batches zero', text: `${base}batches: [0]\n` },
    { name: 'engines repeated', text: `${base}engines: [ort, ort]\n` },
    { name: 'timeout zero', text: `${base}timeoutMs: 0\n` },
    { name: 'maxOldSpaceMb tiny', text: `${base}maxOldSpaceMb: 1\n` },
    { name: 'fidelity count huge', text: `${base}fidelity: { count: 1e12 }\n` },
    { name: 'bootstrap confidence 1', text: `${base}bootstrap: { confidence: 1 }\n` },
  ];
}

function mutateText(text: string, random: Random): string {
  const chars = [...text];
  const steps = 1 + Math.floor(random() * 4);
  for (let s = 0; s < steps && chars.length > 0; s++) {
    const at = Math.floor(random() * chars.length);
    const op = pick(random, ['delete', 'insert', 'replace', 'truncate', 'duplicate']);
    const token = pick(random, [
      ':',
      '[',
      ']',
      '{',
      '}',
      '&a',
      '*a',
      '-',
      '\n',
      '  ',
      '"',
      "'",
      '!!',
      '#',
      '\u0000',
      '99999999',
      '-1',
      'null',
    ]);
    if (op === 'delete') chars.splice(at, 1 + Math.floor(random() * 8));
    else if (op === 'insert') chars.splice(at, 0, token);
    else if (op === 'replace') chars[at] = token;
    else if (op === 'truncate') chars.length = at;
    else chars.splice(at, 0, ...chars.slice(at, at + 1 + Math.floor(random() * 40)));
  }
  return chars.join('');
}

/** Study specs through `study SPEC --dry-run` (parse, validate, plan): hostile ones, then mutated ones. */
export async function specCases(
  dir: string,
  random: Random,
  mutated: number,
  timeoutMs: number,
): Promise<FuzzCase[]> {
  await mkdir(dir, { recursive: true });
  const model = await save(dir, 'spec-model.onnx', denseReluModel(16, 8, 2));
  const cases: FuzzCase[] = [];
  const add = async (name: string, text: string, mustFail: boolean) => {
    const file = path.join(dir, `spec-${cases.length}.yaml`);
    await writeFile(file, text);
    cases.push({ name: `spec: ${name}`, argv: ['study', file, '--dry-run'], mustFail, timeoutMs });
  };
  for (const spec of hostileSpecs(model))
    await add(spec.name, spec.text, !['BOM and CRLF', 'merge key'].includes(spec.name));
  const base = baseSpec(model);
  for (let i = 0; i < mutated; i++) await add(`mutated #${i}`, mutateText(base, random), false);
  cases.push({
    name: 'spec: /dev/zero',
    argv: ['study', '/dev/zero', '--dry-run'],
    mustFail: true,
    timeoutMs,
  });
  const fifo = makeFifo(path.join(dir, 'spec-fifo.yaml'));
  if (fifo)
    cases.push({ name: 'spec: a FIFO', argv: ['study', fifo, '--dry-run'], mustFail: true, timeoutMs });
  return cases;
}

// -------------------------------------------------------------------------------------------------
// Media

function damage(bytes: Buffer, random: Random): Buffer {
  const out = Buffer.from(bytes);
  const steps = 1 + Math.floor(random() * 6);
  let length = out.length;
  for (let s = 0; s < steps; s++) {
    const at = Math.floor(random() * length);
    if (random() < 0.15) length = at;
    else out[at] = Math.floor(random() * 256);
  }
  return out.subarray(0, length);
}

/** Corrupt and odd image inputs through `pipeline image` (a colour-classifier model). */
export async function mediaCases(
  dir: string,
  random: Random,
  mutated: number,
  timeoutMs: number,
): Promise<FuzzCase[]> {
  await mkdir(dir, { recursive: true });
  const model = await writeColourImageModel(path.join(dir, 'colour.onnx'));
  const pipeline = (name: string, images: string[], mustFail: boolean): FuzzCase => ({
    name: `pipeline image: ${name}`,
    argv: ['pipeline', 'image', '--model', model, '--images', ...images, '--warmup', '0', '--json', '-'],
    mustFail,
    timeoutMs,
  });
  const cases: FuzzCase[] = [];
  const bad = await writeBadImages(path.join(dir, 'bad'));
  for (const [name, file] of Object.entries(bad)) cases.push(pipeline(name, [file], true));
  cases.push(pipeline('/dev/zero', ['/dev/zero'], true));
  const good = path.join(dir, 'good.png');
  await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 250, g: 5, b: 5 } } })
    .png()
    .toFile(good);
  cases.push(pipeline('/dev/zero beside a good image is skipped', ['/dev/zero', good], false));
  const fifo = makeFifo(path.join(dir, 'fifo.jpg'));
  if (fifo) cases.push(pipeline('a FIFO', [fifo], true));
  const fifoDir = path.join(dir, 'with-fifo');
  await mkdir(fifoDir, { recursive: true });
  if (makeFifo(path.join(fifoDir, 'pipe.png')))
    cases.push(pipeline('a folder holding a FIFO', [fifoDir], true));
  cases.push(pipeline('missing file', [path.join(dir, 'nowhere.jpg')], true));
  const sources = await Promise.all([
    sharp({ create: { width: 48, height: 40, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .toBuffer(),
    sharp({ create: { width: 40, height: 48, channels: 3, background: { r: 30, g: 200, b: 30 } } })
      .png()
      .toBuffer(),
    sharp({ create: { width: 44, height: 44, channels: 3, background: { r: 30, g: 30, b: 200 } } })
      .webp()
      .toBuffer(),
  ]);
  for (let i = 0; i < mutated; i++) {
    const source = pick(random, sources);
    const ext = source === sources[0] ? '.jpg' : source === sources[1] ? '.png' : '.webp';
    const file = path.join(dir, `damaged-${i}${ext}`);
    await writeFile(file, damage(source, random));
    cases.push(pipeline(`damaged #${i}`, [file], false));
  }
  return cases;
}

// -------------------------------------------------------------------------------------------------
// A whole run

export interface FuzzOptions {
  /** Folder for the generated files. */
  dir: string;
  seed: number;
  /** Mutated models (inspect and run). */
  models: number;
  /** Mutated study specs, besides the hand-written hostile ones. */
  specs: number;
  /** Damaged images, besides the bad and odd inputs. */
  media: number;
  timeouts?: Partial<Timeouts>;
  onCase?: (c: FuzzCase, outcome: CaseOutcome, problems: string[]) => void;
}

export interface FuzzSummary {
  cases: number;
  byKind: Record<string, number>;
  /** Cases by exit code (or 'hang' / 'died'). */
  outcomes: Record<string, number>;
  findings: Finding[];
}

export async function buildCases(options: FuzzOptions): Promise<FuzzCase[]> {
  const random = mulberry32(options.seed);
  const timeouts: Timeouts = { inspectMs: 20_000, runMs: 30_000, ...options.timeouts };
  return [
    ...(await holeCases(path.join(options.dir, 'holes'), timeouts)),
    ...(await modelCases(path.join(options.dir, 'models'), random, options.models, timeouts)),
    ...(await specCases(path.join(options.dir, 'specs'), random, options.specs, timeouts.inspectMs)),
    ...(await mediaCases(path.join(options.dir, 'media'), random, options.media, timeouts.runMs)),
  ];
}

/** Builds the cases and runs them all in process; every broken contract is a finding. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const cases = await buildCases(options);
  const cli = new InProcessCli();
  const summary: FuzzSummary = { cases: cases.length, byKind: {}, outcomes: {}, findings: [] };
  try {
    for (const c of cases) {
      const outcome = await cli.run(c);
      const problems = checkOutcome(c, outcome);
      const kind = c.argv[0] === 'pipeline' ? 'pipeline image' : c.argv[0];
      summary.byKind[kind] = (summary.byKind[kind] ?? 0) + 1;
      const key = outcome.status === 'exit' ? `exit ${outcome.code}` : outcome.status;
      summary.outcomes[key] = (summary.outcomes[key] ?? 0) + 1;
      if (problems.length > 0)
        summary.findings.push({ case: c, problems, stderr: outcome.stderr.slice(0, 2000) });
      options.onCase?.(c, outcome, problems);
    }
  } finally {
    cli.close();
  }
  return summary;
}
