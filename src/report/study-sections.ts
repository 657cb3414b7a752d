/**
 * What a study report says, once: the sections of a stored study's report (header, tune result,
 * tables with their columns, alignment and notes, chart references, notes and cautions, definitions),
 * decided and computed here. The terminal, Markdown and HTML renderers only lay these out. Pure.
 */
import type { StudyAnalysis } from '../study/compare.js';
import type { TuneRecord } from '../study/tune-record.js';
import { bytes } from './format.js';
import {
  analysisOnTarget,
  averageLines,
  comparisonRows,
  DEFINITIONS,
  deviceListRows,
  deviceRows,
  EP_SENTENCE,
  epRows,
  FRAMEWORK_SENTENCE,
  failureLines,
  frameworkAverageLines,
  frameworkNoteLines,
  frameworkRows,
  isaLines,
  leftColumns,
  peakNotes,
  recipeNotes,
  roundCautionLines,
  studyTargets,
  targetHeading,
  telemetryWarningLines,
  variantRows,
} from './study-text.js';
import { leaderboardRows, raceLines, tuneSummaryLines } from './tune-text.js';

export type Alignment = 'left' | 'right';

/** A table: text columns left-aligned, numbers right; lines and notes that belong to it follow it. */
export interface SectionTable {
  columns: string[];
  align: Alignment[];
  rows: string[][];
}

export interface TableSection extends SectionTable {
  kind: 'table';
  id:
    | 'leaderboard'
    | 'results'
    | 'by-device'
    | 'framework'
    | 'by-ep'
    | 'variants'
    | 'devices'
    | 'environment';
  title: string;
  /** The short heading of the terminal view (lower case, ends with a colon). */
  caption: string;
  /** What the table compares, as a sentence (null: its title says it). */
  sentence: string | null;
  /** A longer explanation, where the format has room for one (the HTML page). */
  detail: string | null;
  /** Summary lines under the table (averages). */
  lines: string[];
  notes: string[];
}

/** The study's comparison table when nothing was compared: what to say instead. */
export interface EmptySection {
  kind: 'empty';
  id: 'results';
  title: string;
  sentence: string;
  short: string;
}

export interface LinesSection {
  kind: 'lines';
  id:
    | 'tune-summary'
    | 'tune-race'
    | 'tune-notes'
    | 'averages'
    | 'cautions'
    | 'notes'
    | 'failures'
    | 'telemetry-warnings';
  /** A heading of its own (null: the lines belong to the table above). */
  title: string | null;
  caption: string | null;
  sentence: string | null;
  tone: 'plain' | 'note' | 'caution' | 'warning';
  lines: string[];
}

/** A chart of charts.ts or tune-charts.ts by its key, with what to say when it cannot be drawn. */
export interface ChartSection {
  kind: 'chart';
  id:
    | 'chart-pareto'
    | 'chart-racing'
    | 'chart-speedup'
    | 'chart-distribution'
    | 'chart-timeline'
    | 'chart-fidelity';
  title: string;
  missing: string;
}

export interface DefinitionsSection {
  kind: 'definitions';
  id: 'definitions';
  terms: Array<readonly [string, string]>;
  bootstrap: { resamples: number; confidencePct: number; seed: number };
}

export type StudySection = TableSection | EmptySection | LinesSection | ChartSection | DefinitionsSection;

export interface StudyReportModel {
  kind: 'study' | 'tune';
  header: {
    id: string;
    name: string;
    status: string;
    source: string;
    createdAt: string;
    finishedAt: string | null;
    edgebenchVersion: string;
    plannedRounds: number | null;
    confidencePct: number;
    resamples: number;
  };
  /** In the order of the Markdown and HTML reports; the terminal picks its own order by id. */
  sections: StudySection[];
}

/** A table from rows whose first row is the header. */
export function sectionTable(rows: readonly (readonly string[])[]): SectionTable {
  const [columns = [], ...body] = rows.map((r) => [...r]);
  const left = new Set(leftColumns(columns));
  return { columns, align: columns.map((_, i) => (left.has(i) ? 'left' : 'right')), rows: body };
}

function table(
  id: TableSection['id'],
  title: string,
  caption: string,
  rows: readonly (readonly string[])[],
  more: Partial<Pick<TableSection, 'sentence' | 'detail' | 'lines' | 'notes'>> = {},
): TableSection {
  return {
    kind: 'table',
    id,
    title,
    caption,
    sentence: more.sentence ?? null,
    detail: more.detail ?? null,
    lines: more.lines ?? [],
    notes: more.notes ?? [],
    ...sectionTable(rows),
  };
}

function lines(
  id: LinesSection['id'],
  tone: LinesSection['tone'],
  content: string[],
  heading: Partial<Pick<LinesSection, 'title' | 'caption' | 'sentence'>> = {},
): LinesSection {
  return {
    kind: 'lines',
    id,
    title: heading.title ?? null,
    caption: heading.caption ?? null,
    sentence: heading.sentence ?? null,
    tone,
    lines: content,
  };
}

function tuneSections(tune: TuneRecord): StudySection[] {
  const confidence = (c: number) => Math.round(c * 100);
  return [
    lines('tune-summary', 'plain', tuneSummaryLines(tune), { title: 'Tune result' }),
    lines('tune-race', 'plain', raceLines(tune)),
    lines('tune-notes', 'note', tune.notes),
    table('leaderboard', 'Leaderboard', 'leaderboard:', leaderboardRows(tune), {
      detail: `Every candidate: built, rejected by the budget, eliminated in a round, or a finalist. cost = the objective's statistic; cost / leader: the ${confidence(tune.settings.eliminationConfidence)}% CI that eliminated a candidate, or the ${confidence(tune.settings.confidence)}% CI at the end for finalists (bootstrap over the rounds both ran, paired).`,
    }),
  ];
}

const CHARTS: readonly Omit<ChartSection, 'kind'>[] = [
  { id: 'chart-speedup', title: 'Speedup per model', missing: 'No comparison could be computed.' },
  { id: 'chart-distribution', title: 'Latency distribution', missing: 'No samples stored.' },
  { id: 'chart-timeline', title: 'Latency over time', missing: 'No samples stored.' },
  {
    id: 'chart-fidelity',
    title: 'Fidelity',
    missing: 'Fidelity was not measured for this study (or could not be computed).',
  },
];

const TUNE_CHARTS: readonly Omit<ChartSection, 'kind'>[] = [
  {
    id: 'chart-pareto',
    title: 'Latency against fidelity (Pareto)',
    missing: 'No candidate was both measured and checked for fidelity.',
  },
  { id: 'chart-racing', title: 'Racing timeline', missing: 'The race did not run.' },
];

/** The sections of a study's report, computed once from its analysis. */
export function studySections(analysis: StudyAnalysis): StudyReportModel {
  const s = analysis.study;
  const tune = analysis.tune;
  const spec = s.spec as { rounds?: number } | null;
  const sections: StudySection[] = tune ? tuneSections(tune) : [];
  const resultsTitle = tune ? 'Every candidate against the baseline' : 'Results';
  const targets = studyTargets(analysis);
  if (targets.length > 1 && analysis.comparisons.length > 0)
    // A study over several targets: a results table per target, each compared within it.
    for (const target of targets) {
      const heading = targetHeading(analysis, target);
      sections.push(
        table(
          'results',
          `${resultsTitle} on ${heading}`,
          `on ${heading}:`,
          comparisonRows(analysisOnTarget(analysis, target)),
          {
            sentence: `Measured on ${heading}; each optimized variant against the baseline on the same target.`,
          },
        ),
      );
    }
  else
    sections.push(
      analysis.comparisons.length > 0
        ? table('results', resultsTitle, 'every candidate against the baseline:', comparisonRows(analysis))
        : {
            kind: 'empty',
            id: 'results',
            title: resultsTitle,
            sentence: 'No optimized variant was planned.',
            short: 'no comparisons (no optimized variant was planned)',
          },
    );
  // A tune is one model: its race notes say what the averages and round cautions would.
  if (!tune) {
    sections.push(lines('averages', 'plain', averageLines(analysis)));
    sections.push(lines('cautions', 'caution', roundCautionLines(analysis)));
  }
  sections.push(
    lines('notes', 'note', [...isaLines(analysis), ...recipeNotes(analysis), ...peakNotes(analysis)]),
  );
  // The side-by-side tables, each only where the study has its axis (rows: none without).
  const sideTables: Array<[TableSection['id'], string, string, string[][], Partial<TableSection>]> = [
    [
      'by-device',
      'By device',
      "by device (the same model on each device class; speedup over that device's baseline):",
      deviceRows(analysis),
      {
        sentence:
          "The same model on each device class, side by side (speedup: over the same device's baseline).",
      },
    ],
    [
      'framework',
      'Against the framework baseline',
      'against the framework baseline (PyTorch eager; not interleaved with the onnxruntime groups):',
      frameworkRows(analysis),
      {
        sentence: FRAMEWORK_SENTENCE,
        lines: frameworkAverageLines(analysis),
        notes: frameworkNoteLines(analysis),
      },
    ],
    [
      'by-ep',
      'By execution provider',
      'by execution provider (the same variant on each EP; speedup over the reference EP):',
      epRows(analysis),
      { sentence: EP_SENTENCE },
    ],
  ];
  for (const [id, title, caption, rows, more] of sideTables)
    if (rows.length > 0) sections.push(table(id, title, caption, rows, more));
  for (const chart of [...(tune ? TUNE_CHARTS : []), ...CHARTS]) sections.push({ kind: 'chart', ...chart });
  sections.push(
    table('variants', 'Variants', `variants (${spec?.rounds ?? '?'} rounds planned):`, variantRows(analysis)),
  );
  sections.push(lines('failures', 'plain', failureLines(analysis)));
  const warnings = telemetryWarningLines(analysis);
  if (warnings.length > 0)
    sections.push(
      lines('telemetry-warnings', 'warning', warnings, {
        title: 'Telemetry warnings',
        caption: 'telemetry warnings (throttling and drift seen during the measurements):',
        sentence:
          'Throttling and drift seen during the measurements (see the latency-over-time chart of the HTML report).',
      }),
    );
  const devices = deviceListRows(analysis);
  sections.push(
    devices.length > 0
      ? table('devices', 'Devices', 'devices:', devices)
      : table('environment', 'Environment', 'environment:', environmentRows(analysis)),
  );
  sections.push({
    kind: 'definitions',
    id: 'definitions',
    terms: [...DEFINITIONS],
    bootstrap: {
      resamples: analysis.bootstrap.resamples,
      confidencePct: Math.round(analysis.bootstrap.confidence * 100),
      seed: analysis.bootstrap.seed,
    },
  });
  return {
    kind: tune ? 'tune' : 'study',
    header: {
      id: s.id,
      name: s.name,
      status: s.status,
      source: s.source,
      createdAt: s.createdAt,
      finishedAt: s.finishedAt ?? null,
      edgebenchVersion: s.edgebenchVersion,
      plannedRounds: spec?.rounds ?? null,
      confidencePct: Math.round(analysis.bootstrap.confidence * 100),
      resamples: analysis.bootstrap.resamples,
    },
    sections,
  };
}

/** Every section with this id (a study over several targets has a results table per target). */
export function findSections<K extends StudySection['kind']>(
  model: StudyReportModel,
  id: StudySection['id'],
  kind: K,
): Array<Extract<StudySection, { kind: K }>> {
  return model.sections.filter((x) => x.id === id && x.kind === kind) as Array<
    Extract<StudySection, { kind: K }>
  >;
}

/** The section with this id, if the study has it. */
export function findSection<K extends StudySection['kind']>(
  model: StudyReportModel,
  id: StudySection['id'],
  kind?: K,
): Extract<StudySection, { kind: K }> | undefined {
  return model.sections.find((x) => x.id === id && (kind === undefined || x.kind === kind)) as
    | Extract<StudySection, { kind: K }>
    | undefined;
}

/** The environment as (item, value) rows, from what the study stored. */
export function environmentRows(analysis: StudyAnalysis): string[][] {
  const env = analysis.environment;
  const rows: string[][] = [['item', 'value']];
  if (!env) return [...rows, ['environment', 'not recorded']];
  const host = env.host as {
    os?: { platform?: string; release?: string; distro?: string };
    hostname?: string;
    cpu?: {
      model?: string;
      logicalCores?: number;
      physicalCores?: number;
      features?: string[];
      governor?: string;
    };
    memoryBytes?: number;
    gpus?: Array<{ vendor?: string; name?: string }>;
    jetson?: { model?: string; release?: string; powerMode?: string };
    node?: string;
  };
  if (host.os)
    rows.push(['os', `${host.os.distro ?? host.os.platform ?? '?'} (kernel ${host.os.release ?? '?'})`]);
  if (host.cpu) {
    rows.push(['cpu', host.cpu.model ?? '?']);
    rows.push([
      'cores',
      `${host.cpu.logicalCores ?? '?'} logical${host.cpu.physicalCores ? `, ${host.cpu.physicalCores} physical` : ''}`,
    ]);
    if (host.cpu.features?.length) rows.push(['isa features', host.cpu.features.join(' ')]);
    rows.push(['cpu governor', host.cpu.governor ?? 'unknown']);
  }
  if (host.memoryBytes !== undefined) rows.push(['memory', bytes(host.memoryBytes)]);
  rows.push([
    'gpus',
    host.gpus && host.gpus.length > 0
      ? host.gpus.map((g) => `${g.vendor ?? ''} ${g.name ?? ''}`.trim()).join('; ')
      : 'none found',
  ]);
  if (host.jetson)
    rows.push([
      'jetson',
      `${host.jetson.model ?? 'Jetson'}; ${host.jetson.release ?? ''}; power mode ${host.jetson.powerMode ?? 'unknown'}`,
    ]);
  rows.push(['node', host.node ?? String(env.extra.node ?? '?')]);
  rows.push(['onnxruntime-node', env.onnxruntime]);
  rows.push(['edgebench', env.edgebench]);
  rows.push(['captured', env.capturedAt]);
  return rows;
}
