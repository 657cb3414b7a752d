/** Terminal views of pipeline results: per-stage timing, pure inference beside end-to-end, real-time pacing. Pure. */

import type { ImagePipelineResult } from '../pipelines/image-pipeline.js';
import type { RealtimeResult } from '../pipelines/realtime.js';
import type { StageSummary } from '../pipelines/stages.js';
import type { VideoPipelineResult } from '../pipelines/video-pipeline.js';
import { ms, percent, table } from './format.js';

const STAGE_LABELS: [keyof StageSummary['stats'], string][] = [
  ['decode', 'decode'],
  ['preprocess', 'preprocess'],
  ['inference', 'inference'],
  ['postprocess', 'postprocess'],
  ['endToEnd', 'end-to-end'],
];

export function formatStages(s: StageSummary, itemName: string): string {
  const lines: string[] = [];
  const count =
    s.unit === itemName ? `${s.units} ${s.unit}s` : `${s.units} ${s.unit}es, ${s.items} ${itemName}s`;
  lines.push(`per-stage time per ${s.unit} (${count})`);
  const e2eTotal = s.totalMs.endToEnd;
  const rows = STAGE_LABELS.map(([key, label]) => {
    const st = s.stats[key];
    const name = key === 'decode' && s.decode === 'wait' ? 'decode (waiting for frames)' : label;
    return [name, ms(st.medianMs), ms(st.meanMs), ms(st.p95Ms), ms(st.maxMs), percent(s.share[key])];
  });
  // The glue between stages, so that the shares add up to end-to-end.
  const perUnitOther = s.otherMs / Math.max(1, s.units);
  rows.splice(rows.length - 1, 0, [
    'other (between stages)',
    '',
    ms(perUnitOther),
    '',
    '',
    percent(e2eTotal > 0 ? s.otherMs / e2eTotal : 0),
  ]);
  lines.push(table([['stage', 'median ms', 'mean ms', 'p95 ms', 'max ms', 'share'], ...rows]));
  for (const work of s.overlapped ?? []) {
    const perUnit =
      work.stats.count > 0
        ? `${ms(work.stats.medianMs)} ms CPU per ${s.unit} (median of ${work.stats.count}), `
        : '';
    lines.push(
      `${work.stage}, overlapped (${work.where}; not inside end-to-end): ${perUnit}${ms(work.perFrameMs)} ms CPU per frame = ${percent(work.budgetShare)} of one core's frame budget (${ms(work.framePeriodMs)} ms per frame at the source rate)`,
    );
  }
  if (s.decode === 'wait' && !s.overlapped?.length)
    lines.push(
      'decode, overlapped: ffmpeg decodes in its own process beside the pipeline; its CPU time cannot be read here (no /proc), so only the wait for frames is shown',
    );
  lines.push('');
  const inf = s.stats.inference;
  const e2e = s.stats.endToEnd;
  lines.push(
    table([
      ['', 'pure inference', 'end-to-end'],
      [`median ms per ${s.unit}`, ms(inf.medianMs), ms(e2e.medianMs)],
      [`p95 ms per ${s.unit}`, ms(inf.p95Ms), ms(e2e.p95Ms)],
      [`${itemName}s/s`, s.pureInferenceItemsPerSec.toFixed(1), s.endToEndItemsPerSec.toFixed(1)],
    ]),
  );
  lines.push(
    `pipeline overhead beyond decode + inference: ${ms(s.overheadMs / Math.max(1, s.units))} ms per ${s.unit} (${percent(s.overheadShare)} of end-to-end)`,
  );
  return lines.join('\n');
}

export function formatRealtime(rt: RealtimeResult, outputName: string): string {
  const st = rt.settings;
  const lines: string[] = [];
  lines.push(
    `real time: ${st.fps} fps source, queue ${st.queueCapacity} (${st.dropPolicy}), deadline ${ms(st.deadlineMs)} ms — ${rt.keepsUp ? 'KEEPS UP' : 'DOES NOT KEEP UP'}`,
  );
  lines.push(
    table([
      ['real time', 'value'],
      ['frames offered / processed', `${rt.frames.offered} / ${rt.frames.processed}`],
      ['frames dropped', String(rt.frames.dropped)],
      ...(rt.frames.unprocessed > 0 ? [['frames left in queue', String(rt.frames.unprocessed)]] : []),
      ...(rt.frames.lateFromSource > 0
        ? [['frames late from the source', String(rt.frames.lateFromSource)]]
        : []),
      ['sustained fps', rt.sustainedFps.toFixed(1)],
      [`${outputName}s`, String(rt.outputs)],
      [
        'latency from arrival p50 / p95 / p99 ms',
        `${ms(rt.latency.medianMs)} / ${ms(rt.latency.p95Ms)} / ${ms(rt.latency.p99Ms)}`,
      ],
      ['latency max ms', ms(rt.latency.maxMs)],
      ['deadline misses', `${rt.deadlineMisses} (${percent(rt.deadlineMissFraction, 2)})`],
      ['jitter ms (latency stdev)', ms(rt.jitterMs)],
      [`${outputName} interval jitter ms`, ms(rt.outputIntervalJitterMs)],
      ['real-time factor', rt.realTimeFactor.toFixed(3)],
    ]),
  );
  for (const reason of rt.verdict) lines.push(`  - ${reason}`);
  return lines.join('\n');
}

/** How many inputs were found, processed and skipped, and why they were skipped. */
function inputCountLine(
  noun: string,
  foundWord: string,
  c: { found: number; processed: number; skipped: number; skipCounts: Record<string, number> },
): string {
  const skips = Object.entries(c.skipCounts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `${noun}: ${c.found} ${foundWord}, ${c.processed} processed, ${c.skipped} skipped${skips ? ` (${skips})` : ''}`;
}

function header(r: ImagePipelineResult | VideoPipelineResult): string {
  const e = r.config.effective.engine as Record<string, unknown>;
  const line = `${r.model.name}  (ort/${String(e.executionProvider)}, threads ${Number(e.intraOpThreads) || 'auto'})  cold start ${ms(r.coldStartMs)} ms, first inference ${ms(r.firstInferenceMs)} ms`;
  const u = r.model.opsetUpgrade;
  return u
    ? `${line}\nmodel upgraded in memory, ai.onnx opset ${u.from} → ${u.to} (what ran is not byte-identical to the file)`
    : line;
}

type Accuracy = NonNullable<ImagePipelineResult['accuracy']>;

/** What the accuracy is over: images, each counted once, and the frames they came from when those differ. */
export function accuracyBasis(a: Accuracy): string {
  const frames = a.labelledFrames ?? a.labelled;
  const inputs = a.labelledInputs ?? a.labelled;
  const notes: string[] = [];
  if (frames !== a.labelled) notes.push(`each counted once, from ${frames} labelled frames processed`);
  if (inputs > a.labelled)
    notes.push(
      `${inputs - a.labelled} of ${inputs} never processed: their frames were dropped or not reached`,
    );
  return `accuracy on ${a.labelled} labelled images${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function accuracyFigures(a: Accuracy): string {
  return `top-1 ${percent(a.top1)} (${a.correctTop1}), top-${a.k} ${percent(a.topK)} (${a.correctTopK})`;
}

export function formatImagePipelineResult(r: ImagePipelineResult, maxPredictions = 10): string {
  const e = r.config.effective;
  const p = e.preprocess;
  const lines: string[] = [header(r)];
  lines.push(
    `input ${e.input.name} ${e.input.layout} ${p.height}x${p.width} ${p.channelOrder} ${e.input.type}, ${p.resize}${p.resize === 'resize-crop' ? ` ${p.cropFraction}` : ''}, batch ${e.batch}`,
  );
  lines.push(inputCountLine('images', 'found', r.images));
  lines.push('');
  lines.push(formatStages(r.stages, 'image'));
  if (r.accuracy) {
    lines.push('');
    lines.push(`${accuracyBasis(r.accuracy)}: ${accuracyFigures(r.accuracy)}`);
  }
  if (r.realtime) lines.push('', formatRealtime(r.realtime, 'result'));
  if (r.predictions.length > 0) {
    lines.push('');
    const shown = r.predictions.slice(0, maxPredictions);
    lines.push(
      table(
        [
          ['image', 'truth', 'top-1', 'score'],
          ...shown.map((x) => [
            x.file,
            x.truth ?? '',
            x.top[0]?.label ?? '',
            x.top[0] ? x.top[0].score.toFixed(3) : '',
          ]),
        ],
        { alignLeft: [1, 2] },
      ),
    );
    if (r.predictions.length > shown.length)
      lines.push(`… ${r.predictions.length - shown.length} more in --json`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatVideoPipelineResult(r: VideoPipelineResult): string {
  const e = r.config.effective;
  const lines: string[] = [header(r)];
  lines.push(
    `clips ${e.input.layout} ${e.clip} frames × ${e.preprocess.height}x${e.preprocess.width}, stride ${e.stride}, smoothing ${e.smoothing.method}${e.smoothing.method === 'moving-average' ? ` ${e.smoothing.window}` : ''}`,
  );
  lines.push(inputCountLine('videos', 'given', r.videos));
  lines.push('');
  lines.push(formatStages(r.stages, 'clip'));
  for (const v of r.results) {
    lines.push('');
    lines.push(
      `${v.file}: ${v.probe.width}x${v.probe.height} ${v.probe.codec}, ${v.fps} fps${v.realtime && v.realtime.settings.fps !== v.fps ? ` (times; paced at ${v.realtime.settings.fps} fps)` : ''}, ${v.frames} frames, ${v.clips.length} clips`,
    );
    lines.push(
      table(
        [
          ['segment', 'start s', 'end s', 'score', 'clips'],
          ...v.segments.map((s) => [
            s.label,
            s.startSec.toFixed(2),
            s.endSec.toFixed(2),
            s.score.toFixed(3),
            String(s.clips),
          ]),
        ],
        {},
      ),
    );
    if (v.realtime) lines.push(formatRealtime(v.realtime, 'clip'));
  }
  return `${lines.join('\n')}\n`;
}
