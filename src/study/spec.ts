/**
 * The study spec: a YAML or JSON file (or a preset) saying what to measure. Validated once, here,
 * with zod; every error names the field, its line and column in the file, and what is allowed.
 *
 * ```yaml
 * name: my-study
 * models:                       # zoo:NAME[?classes=N&input=1x3x112x112] or an ONNX file path
 *   - zoo:resnet18?classes=2
 *   - { ref: ./detector.onnx, name: detector, shapes: { images: [1, 3, 320, 320] } }
 * baseline: { name: fp32, recipes: [], graphOptLevel: disabled }
 * optimized:
 *   - { name: fused, recipes: [fuse, ort-all], graphOptLevel: all }
 *   - { name: int8, recipes: [int8-static], graphOptLevel: all }
 * eps: [cpu]                    # execution providers
 * threads: [0]                  # intra-op threads, 0 = onnxruntime decides
 * batches: [1]
 * scenarios: [single-stream]     # or multi-stream, server, offline (LoadGen)
 * scenarioSettings: { server: { targetQps: 20, latencyBoundMs: 50 } }
 * rounds: 3                     # interleaved rounds; each is a fresh worker process per variant
 * stopRules: { minTimeMs: 1000, minCount: 20 }
 * telemetry: true               # or false, or { intervalMs: 100, estimateEnergy: true, tdpWatts: 15 }
 * engines: [torch, trtexec, ort] # optional; absent = [ort] (see STUDY_ENGINE_NAMES and docs/study.md)
 * opsetUpgrade: true            # upgrade models below opset 7 in memory, exactly (false: fail them)
 * targets: [local, nano]        # optional; where rounds run: this machine and/or boards (docs/targets.md)
 * ```
 */
import path from 'node:path';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';
import { z } from 'zod';
import { defaultStopRules, stopRuleConflicts } from '../core/settings.js';
import { stopRuleFields } from '../core/settings-schema.js';
import { MEASURING_ENGINE_NAMES } from '../engines/names.js';
import { GRAPH_OPT_LEVELS, ORT_EXECUTION_PROVIDERS, threadCountProblem } from '../engines/ort-options.js';
import { messageOf, UserError } from '../errors.js';
import { scenarioSettingFields } from '../measure/scenarios/request-schema.js';
import { RECIPE_NAMES } from '../optimize/recipes.js';
import { isFileReadError, readRegularFile } from '../util/files.js';
import { findArchitecture, zooNames } from '../zoo/registry.js';
import { parseZooSpec } from '../zoo/resolve.js';
import { SCENARIO_NAMES } from './scenarios.js';

/** Per-round stop rules of a study: shorter than `run`'s, because rounds repeat. */
export const STUDY_STOP_RULES = defaultStopRules('study');

export const DEFAULT_ROUNDS = 3;
export const DEFAULT_TIMEOUT_MS = 600_000;
export const DEFAULT_BOOTSTRAP = Object.freeze({ resamples: 2000, seed: 1, confidence: 0.95 });
export const DEFAULT_FIDELITY = Object.freeze({ enabled: true, count: 8 });

function oneOf(field: string, allowed: readonly string[]) {
  return z.string().refine((v) => allowed.includes(v), {
    error: (issue) => `${field} must be one of ${allowed.join(', ')}; got '${String(issue.input)}'`,
  });
}

const label = z
  .string()
  .regex(/^[A-Za-z0-9][\w.+-]*$/, 'a name of letters, digits and . _ + - (starting with a letter or digit)');

const modelEntry = z.union([
  z.string().min(1, 'a model is zoo:NAME or an ONNX file path'),
  z.strictObject({
    ref: z.string().min(1, 'ref is zoo:NAME or an ONNX file path'),
    name: label.optional(),
    shapes: z.record(z.string(), z.array(z.number().int().positive())).optional(),
  }),
]);

const variantSchema = z.strictObject({
  name: label,
  recipes: z.array(oneOf('a recipe', RECIPE_NAMES)).default([]),
  graphOptLevel: oneOf('graphOptLevel', GRAPH_OPT_LEVELS).default('all'),
});

const nonNegative = z.number().nonnegative();

/**
 * Thread counts any spec may name, whatever machine measures it (fleet devices are not this one);
 * a local study also checks them against this machine's CPUs (threadCountProblem).
 */
const MAX_SPEC_THREADS = 4096;

/**
 * Engines a study can name (as measureWithEngine takes them). `ort` and `ort/<ep>` measure the
 * recipe-based variants; `torch*` and `trtexec` measure the model in their own group (see plan.ts).
 */
export const STUDY_ENGINE_NAMES: readonly string[] = MEASURING_ENGINE_NAMES;

const STOP_RULE_FIELDS = stopRuleFields();

const stopRulesSchema = z
  .strictObject(
    Object.fromEntries(Object.entries(STOP_RULE_FIELDS).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof STOP_RULE_FIELDS]: z.ZodOptional<(typeof STOP_RULE_FIELDS)[K]>;
    },
  )
  // A minimum above its cap would be cut short without a word (warm-up too is capped by maxTimeMs).
  .superRefine((given, ctx) => {
    const wording = {
      name: (key: string) => key,
      unit: 'a round',
      zeroCap: '0 = no cap',
      defaultCap: '(the default)',
    };
    for (const { field, message } of stopRuleConflicts(given, STUDY_STOP_RULES, wording))
      ctx.addIssue({ code: 'custom', path: [field], message });
  });

export const studySpecSchema = z.strictObject({
  name: label.default('study'),
  description: z.string().optional(),
  models: z.array(modelEntry).min(1, 'list at least one model'),
  baseline: variantSchema.default({ name: 'baseline', recipes: [], graphOptLevel: 'disabled' }),
  optimized: z.array(variantSchema).min(1, 'list at least one optimized variant'),
  eps: z.array(oneOf('an execution provider', ORT_EXECUTION_PROVIDERS)).min(1).default(['cpu']),
  /** Engines measuring the study; absent means ['ort'] (left unfilled so stored specs stay as they were). */
  engines: z
    .array(oneOf('an engine', STUDY_ENGINE_NAMES))
    .min(1, 'list at least one engine')
    .refine((list) => new Set(list).size === list.length, 'engines must not repeat an engine')
    .optional(),
  /**
   * Where the rounds are measured: `local` (this machine, the default) and/or targets (a saved name,
   * ssh://…). With several, every variant is measured on each, and compared only within its target.
   */
  targets: z
    .array(z.string().min(1, 'a target is local, a saved target name or ssh://[user@]host[:port]'))
    .min(1, 'list at least one target (local is this machine)')
    .refine((list) => new Set(list).size === list.length, 'targets must not repeat a target')
    .optional(),
  threads: z
    .array(z.number().int().nonnegative().max(MAX_SPEC_THREADS, `at most ${MAX_SPEC_THREADS} threads`))
    .min(1)
    .default([0]),
  batches: z.array(z.number().int().positive()).min(1).default([1]),
  scenarios: z.array(oneOf('a scenario', SCENARIO_NAMES)).min(1).default(['single-stream']),
  /** LoadGen settings per scenario (e.g. server: { targetQps: 20, latencyBoundMs: 50 }). */
  scenarioSettings: z
    .partialRecord(z.enum(SCENARIO_NAMES), z.strictObject(scenarioSettingFields()))
    .default({}),
  rounds: z.number().int().min(1).max(1000).default(DEFAULT_ROUNDS),
  stopRules: stopRulesSchema.default({}),
  /** Per worker job (one round of one variant, a model preparation, a fidelity check). */
  timeoutMs: z.number().positive().default(DEFAULT_TIMEOUT_MS),
  /** V8 heap limit of each worker (MiB). */
  maxOldSpaceMb: z.number().int().min(16).optional(),
  /** Seed of the synthetic inputs. */
  seed: z.number().int().default(42),
  bootstrap: z
    .strictObject({
      resamples: z.number().int().min(100).max(100_000).default(DEFAULT_BOOTSTRAP.resamples),
      seed: z.number().int().default(DEFAULT_BOOTSTRAP.seed),
      confidence: z.number().gt(0.5).lt(1).default(DEFAULT_BOOTSTRAP.confidence),
    })
    .default({ ...DEFAULT_BOOTSTRAP }),
  /** Telemetry beside each round (CPU, memory, power, temperature…): true (default), false, or options. */
  telemetry: z
    .union([
      z.boolean(),
      z.strictObject({
        intervalMs: z.number().positive().optional(),
        gridIntensityGPerKWh: nonNegative.optional(),
        estimateEnergy: z.boolean().optional(),
        tdpWatts: z.number().positive().optional(),
        preRunChecks: z.boolean().optional(),
      }),
    ])
    .default(true),
  /**
   * Upgrade a model below the opset onnxruntime implements (7) exactly, in memory (default true);
   * false fails its variants with onnxruntime's error instead.
   */
  opsetUpgrade: z.boolean().default(true),
  fidelity: z
    .strictObject({
      enabled: z.boolean().default(DEFAULT_FIDELITY.enabled),
      count: z.number().int().min(1).max(1000).default(DEFAULT_FIDELITY.count),
    })
    .default({ ...DEFAULT_FIDELITY }),
});

/** What a spec file may contain (defaults not yet filled). */
export type StudySpecInput = z.input<typeof studySpecSchema>;
/** A validated spec with every default filled: what a study stores and runs. */
export type StudySpec = z.output<typeof studySpecSchema>;

export interface LoadedSpec {
  spec: StudySpec;
  /** A file path or `preset:NAME`. */
  source: string;
  /** Folder that relative model paths are read from. */
  baseDir: string;
}

/**
 * The spec a new study (local or fleet) stores and runs: `rounds` when given overrides the spec's,
 * and model paths are made absolute, so a stored study can be resumed from any folder.
 */
export function specToRun(loaded: LoadedSpec, rounds?: number): StudySpec {
  const spec = rounds !== undefined ? { ...loaded.spec, rounds } : loaded.spec;
  const absolute = (ref: string) => (ref.startsWith('zoo:') ? ref : path.resolve(loaded.baseDir, ref));
  return {
    ...spec,
    models: spec.models.map((m) => (typeof m === 'string' ? absolute(m) : { ...m, ref: absolute(m.ref) })),
  };
}

/** Where in the source text a path of the spec sits. */
interface Position {
  line: number;
  col: number;
}

function positionOf(
  doc: Document,
  lines: LineCounter,
  at: readonly PropertyKey[],
  unknownKey?: string,
): Position | undefined {
  // Walk down as far as the document goes: a missing field points at its parent.
  for (let depth = at.length; depth >= 0; depth--) {
    const node = (depth === 0 ? doc.contents : doc.getIn(at.slice(0, depth) as unknown[], true)) as
      | YamlNode
      | null
      | undefined;
    if (!node) continue;
    let range = node.range;
    if (unknownKey !== undefined && depth === at.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === unknownKey);
      const key = pair && isPair(pair) ? (pair.key as YamlNode) : undefined;
      if (key?.range) range = key.range;
    }
    if (range) return lines.linePos(range[0]);
  }
  return undefined;
}

function fieldName(at: readonly PropertyKey[]): string {
  if (at.length === 0) return '(top level)';
  return at
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** The fields allowed where an unknown one was found (for the error message), when known. */
function allowedFields(at: readonly PropertyKey[]): string[] | undefined {
  if (at.length === 0) return Object.keys(studySpecSchema.shape);
  if ((at[0] === 'baseline' && at.length === 1) || (at[0] === 'optimized' && at.length === 2))
    return Object.keys(variantSchema.shape);
  if (at[0] === 'stopRules' && at.length === 1) return Object.keys(stopRulesSchema.shape);
  if (at[0] === 'models' && at.length === 2) return ['ref', 'name', 'shapes'];
  if (at[0] === 'bootstrap' && at.length === 1) return Object.keys(DEFAULT_BOOTSTRAP);
  if (at[0] === 'fidelity' && at.length === 1) return Object.keys(DEFAULT_FIDELITY);
  return undefined;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const unknown = 'keys' in issue ? issue.keys : [];
    const allowed = allowedFields(issue.path);
    return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}${allowed ? `; allowed here: ${allowed.join(', ')}` : ''}`;
  }
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) return `is required (${issue.expected})`;
    return `must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${describe(input)}`;
  }
  if (issue.code === 'invalid_union') return 'must be zoo:NAME, a file path, or { ref, name, shapes }';
  return issue.message;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** Zoo references checked against the zoo's registry, so a typo is caught with its line. */
function zooIssues(spec: StudySpec): Array<{ path: PropertyKey[]; message: string }> {
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  spec.models.forEach((entry, i) => {
    const ref = typeof entry === 'string' ? entry : entry.ref;
    if (!ref.startsWith('zoo:')) return;
    const at = typeof entry === 'string' ? ['models', i] : ['models', i, 'ref'];
    try {
      const { name } = parseZooSpec(ref);
      if (!findArchitecture(name))
        issues.push({
          path: at,
          message: `unknown zoo model '${name}'; available: ${zooNames().join(', ')}`,
        });
    } catch (error) {
      issues.push({ path: at, message: messageOf(error) });
    }
  });
  return issues;
}

/**
 * A model's `shapes` fix its batch (the leading dimension, as `run` reads it); every entry of `batches`
 * must agree, or the variant would be labelled with a batch it never ran.
 */
function batchIssues(
  spec: StudySpec,
  batchesGiven: boolean,
): Array<{ path: PropertyKey[]; message: string }> {
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  const listed = `batches ${batchesGiven ? '' : '(the default) '}[${spec.batches.join(', ')}]`;
  spec.models.forEach((entry, i) => {
    if (typeof entry === 'string' || !entry.shapes) return;
    const model = entry.name ?? entry.ref;
    for (const [input, dims] of Object.entries(entry.shapes)) {
      const other = spec.batches.find((batch) => dims.length > 0 && dims[0] !== batch);
      if (other === undefined) continue;
      issues.push({
        path: ['models', i, 'shapes', input],
        message: `model '${model}': shapes ${input}=${dims.join('x')} fixes batch ${dims[0]} but ${listed} asks for batch ${other}: make them agree (batches: [${dims[0]}], or a leading dimension of ${other})`,
      });
    }
  });
  return issues;
}

/** Thread counts this machine cannot run (see threadCountProblem), for a study measured here. */
function threadIssues(spec: StudySpec): Array<{ path: PropertyKey[]; message: string }> {
  return spec.threads.flatMap((threads, i) => {
    const problem = threadCountProblem('threads', threads);
    return problem ? [{ path: ['threads', i], message: problem }] : [];
  });
}

export interface SpecCheckOptions {
  /**
   * Whether the study is measured on this machine (default true): its thread counts must then fit
   * this machine's CPUs. Fleet studies, measured elsewhere, pass false.
   */
  localMachine?: boolean;
}

/** Validates parsed spec data; `source` names the file in errors; `doc` gives line numbers. */
export function validateSpec(
  data: unknown,
  source: string,
  located?: { doc: Document; lines: LineCounter },
  options: SpecCheckOptions = {},
): StudySpec {
  const parsed = studySpecSchema.safeParse(data ?? {}, { reportInput: true });
  const batchesGiven = typeof data === 'object' && data !== null && 'batches' in data;
  const issues: Array<{ path: PropertyKey[]; message: string; unknownKey?: string }> = parsed.success
    ? [
        ...zooIssues(parsed.data),
        ...batchIssues(parsed.data, batchesGiven),
        ...(options.localMachine === false ? [] : threadIssues(parsed.data)),
      ]
    : parsed.error.issues.map((issue) => ({
        path: issue.path as PropertyKey[],
        message: issueMessage(issue),
        ...(issue.code === 'unrecognized_keys' ? { unknownKey: issue.keys[0] } : {}),
      }));
  if (parsed.success && issues.length === 0) return parsed.data;
  const messages = issues.slice(0, 5).map((issue) => {
    const pos = located ? positionOf(located.doc, located.lines, issue.path, issue.unknownKey) : undefined;
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    return `${where}: ${fieldName(issue.path)}: ${issue.message}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  throw new UserError(`invalid study spec: ${messages.join('; ')}${more}`);
}

/** Parses spec text (YAML, or JSON, which YAML reads too) and validates it. */
export function parseSpec(text: string, source = 'spec', options: SpecCheckOptions = {}): StudySpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const pos = error.linePos?.[0];
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`cannot read the study spec: ${where}: ${message}`);
  }
  let data: unknown;
  try {
    // The YAML library's own guards (an alias bomb: aliases expanding to millions of nodes) throw here.
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new UserError(
      `cannot read the study spec: ${source}: ${messageOf(error).split('\n')[0]} (a spec needs few YAML aliases, if any: write the values out)`,
    );
  }
  return validateSpec(data, source, { doc, lines }, options);
}

/** YAML aliases a spec may expand (the library's limit on how much they may multiply the document). */
const MAX_ALIAS_COUNT = 100;

/** A spec is a few KiB; the bound stops a wrong path (a device, a huge log) before it is parsed. */
const MAX_SPEC_FILE_BYTES = 4 * 1024 ** 2;

/** Reads and validates a spec file. */
export async function loadSpec(file: string, options: SpecCheckOptions = {}): Promise<LoadedSpec> {
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_SPEC_FILE_BYTES)).toString('utf8');
  } catch (error) {
    if (!isFileReadError(error)) throw error;
    throw new UserError(
      error.problem === 'missing'
        ? `study spec not found: ${file} (give a YAML or JSON file, or --preset quick|paper)`
        : `cannot read the study spec ${file}: ${error.detail}`,
    );
  }
  return { spec: parseSpec(text, file, options), source: file, baseDir: path.dirname(path.resolve(file)) };
}
