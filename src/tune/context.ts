/**
 * What the phases of a tune share: where it is stored, what measures, the model, its data and
 * budget, the space, the settings, and every candidate's state. One object, passed to prepare.ts
 * and race.ts, so each phase reads as a function of it.
 */
import type { TensorInfo } from '../onnx/tensor.js';
import type { StudyStore } from '../store/types.js';
import { variantKey } from '../study/plan.js';
import type { Budget } from './budget.js';
import { type CandidateState, newCandidateState } from './candidates.js';
import { shapesFor } from './inputs.js';
import type { CandidateMeasurer, TuneData } from './measurer.js';
import type { TuneEvent, TuneSettings } from './options.js';
import type { BuildSpec, CandidateSpec, Deployment, SearchSpace } from './space.js';

export interface TuneContext {
  store: StudyStore;
  studyId: string;
  measurer: CandidateMeasurer;
  model: { ref: string; path: string; name: string };
  inputs: readonly TensorInfo[];
  data: TuneData;
  budget: Budget;
  space: SearchSpace;
  /** Where the candidates run (this machine, or a board) and with which engines. */
  deployment: Deployment;
  settings: TuneSettings;
  /** Where the built models go. */
  workDir: string;
  signal?: AbortSignal;
  emit: (event: TuneEvent) => void;
  /** Every build planned or made so far (mixed-precision builds join during the search). */
  builds: Map<string, BuildSpec>;
  /** Every candidate, in plan order (the baseline first). */
  states: CandidateState[];
  notes: string[];
  /** Set when a worker saw the user's interrupt (Ctrl-C reaches it before our own handler). */
  interrupted: boolean;
}

/** What every fidelity record of a tune says it was computed by. */
export const FIDELITY_SOURCE =
  'tune.compareOutputs (reference: the input model, graph optimizations disabled)';

export function stopped(ctx: TuneContext): boolean {
  return ctx.interrupted || ctx.signal?.aborted === true;
}

export function baselineOf(ctx: TuneContext): CandidateState {
  return ctx.states.find((s) => s.spec.baseline)!;
}

function keyOf(ctx: TuneContext, c: CandidateSpec): string {
  return variantKey(ctx.model.name, c.label, c.ep, c.threads, c.batch, 'single-stream');
}

/**
 * Stores candidates as study variants — all in one group, since they race interleaved, each
 * compared with the baseline — and starts tracking them.
 */
export async function addCandidates(ctx: TuneContext, specs: readonly CandidateSpec[]): Promise<void> {
  const baseline = ctx.states.find((s) => s.spec.baseline)?.spec ?? specs.find((c) => c.baseline);
  const baselineKey = baseline ? keyOf(ctx, baseline) : null;
  const planned = specs.map((c, i) => {
    const build = ctx.builds.get(c.build)!;
    return {
      key: keyOf(ctx, c),
      groupKey: `${ctx.model.name}|tune`,
      position: ctx.states.length + i,
      model: ctx.model.name,
      modelRef: ctx.model.ref,
      label: c.label,
      role: c.baseline ? ('baseline' as const) : ('optimized' as const),
      baselineKey: c.baseline ? null : baselineKey,
      recipes: [...build.recipes],
      graphOptLevel: c.graphOptLevel,
      ep: c.ep,
      threads: c.threads,
      batch: c.batch,
      scenario: 'single-stream',
      settings: {
        ...(ctx.data.shapes ? { shapes: shapesFor(ctx.data.shapes, ctx.inputs, c.batch) } : {}),
        stopRules: ctx.settings.stopRules,
        seed: ctx.settings.race.seed,
        tune: {
          candidate: c.id,
          build: build.id,
          family: build.family,
          engine: c.engine,
          target: c.target,
          ...(c.precision ? { precision: c.precision } : {}),
          ...(build.calibrationMethod ? { calibrationMethod: build.calibrationMethod } : {}),
          ...(build.activationType ? { activationType: build.activationType } : {}),
          ...(build.dynamicConv ? { dynamicConv: true } : {}),
          ...(build.keepFloat ? { keepFloat: build.keepFloat } : {}),
        },
      },
    };
  });
  const stored = await ctx.store.addVariants(ctx.studyId, planned);
  const byKey = new Map(stored.map((v) => [v.key, v]));
  for (const [i, c] of specs.entries())
    ctx.states.push(newCandidateState(c, ctx.builds.get(c.build)!, byKey.get(planned[i].key)!));
}
