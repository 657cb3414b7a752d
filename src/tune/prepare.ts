/**
 * Before any timing: every build made and every (build, graph level) checked against the budget,
 * so what cannot be built or breaks the budget is dropped with the reason; then, when every full
 * int8-static build misses the budget, the mixed-precision search (mixed.ts) for how many ops to
 * keep in float: the most sensitive first, and the first from the input (one float region). Everything goes through the context's measurer and is
 * stored as it ends.
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import type { FidelityMetrics } from '../store/types.js';
import type { MixedProbeRecord, MixedSearchRecord } from '../study/tune-record.js';
import { safeFileName } from '../study/variants.js';
import {
  type BudgetMetrics,
  type BudgetVerdict,
  budgetMetrics,
  evaluateBudget,
  metricsText,
} from './budget.js';
import type { CandidateState } from './candidates.js';
import { addCandidates, baselineOf, FIDELITY_SOURCE, stopped, type TuneContext } from './context.js';
import type { BuiltModel } from './measurer.js';
import { searchKeepCount } from './mixed.js';
import { type BuildSpec, type CandidateSpec, type MixedOrder, mixedBuild, planCandidates } from './space.js';

type Check = { metrics: BudgetMetrics; verdict: BudgetVerdict } | { error: string };

function recordMetrics(m: BudgetMetrics): FidelityMetrics {
  const { accuracy: _accuracy, ...rest } = m;
  return rest;
}

/** Builds and checks, keeping what each build and each check came to. */
export class Preparation {
  private readonly built = new Map<string, BuiltModel>();
  private readonly failures = new Map<string, string>();
  private readonly checks = new Map<string, Check>();

  constructor(private readonly ctx: TuneContext) {}

  /** The first reason a build failed, for a message when nothing could be built. */
  firstFailure(): string | undefined {
    return [...this.failures.values()][0];
  }

  /** Builds every planned build and checks it; the baseline first, whose check stops a bad run. */
  async all(builds: readonly BuildSpec[]): Promise<void> {
    const baseline = baselineOf(this.ctx).spec;
    for (const build of builds) {
      if (stopped(this.ctx)) return;
      const modelPath = await this.build(build);
      if (build.family === 'fp32' && modelPath) {
        // A data or model problem shows here, once, rather than as every candidate's failure.
        const check = await this.check(build, modelPath, baseline.graphOptLevel);
        if (check && 'error' in check) {
          const source = this.ctx.data.fidelity.inputs;
          throw new UserError(
            `cannot check fidelity on ${source === 'synthetic' ? 'synthetic inputs' : source}: ${check.error.replace(/^checking fidelity: /, '')}`,
          );
        }
      }
      await this.settle(build);
    }
  }

  private async build(build: BuildSpec): Promise<string | null> {
    const started = Date.now();
    const result = await this.ctx.measurer.prepare({
      build,
      input: this.ctx.model.path,
      output: path.join(this.ctx.workDir, `${safeFileName(build.id)}.onnx`),
      data: this.ctx.data,
    });
    if (!result.ok) {
      if (result.aborted) this.ctx.interrupted = true;
      else {
        this.failures.set(build.id, result.failure.reason);
        this.ctx.emit({ type: 'build-failed', build: build.id, reason: result.failure.reason });
      }
      return null;
    }
    this.built.set(build.id, result.value);
    if (build.recipes.length > 0)
      this.ctx.emit({ type: 'built', build: build.id, ms: Date.now() - started, notes: result.value.notes });
    return result.value.path;
  }

  /** The fidelity of a build at a graph level, against the budget (measured once per pair). */
  private async check(
    build: BuildSpec,
    modelPath: string,
    level: CandidateSpec['graphOptLevel'],
  ): Promise<Check | null> {
    const pair = `${build.id}@${level}`;
    const known = this.checks.get(pair);
    if (known) return known;
    const { ctx } = this;
    const result = await ctx.measurer.fidelity({
      reference: ctx.model.path,
      candidate: modelPath,
      graphOptLevel: level,
      data: ctx.data,
    });
    if (!result.ok) {
      if (result.aborted) {
        ctx.interrupted = true;
        return null;
      }
      const failed = { error: result.failure.reason };
      this.checks.set(pair, failed);
      ctx.emit({ type: 'check-failed', build: build.id, level, reason: result.failure.reason });
      return failed;
    }
    const metrics = budgetMetrics(result.value);
    const verdict = evaluateBudget(ctx.budget, metrics);
    const check = { metrics, verdict };
    this.checks.set(pair, check);
    ctx.emit({ type: 'checked', build: build.id, level, text: metricsText(ctx.budget, metrics), verdict });
    return check;
  }

  private async fail(s: CandidateState, status: CandidateState['status'], kind: string, reason: string) {
    s.status = status;
    s.reason = reason;
    await this.ctx.store.updateVariant(s.variant.id, { status: 'failed', failure: { kind, reason } });
  }

  /** Applies a build's preparation and its checks to its candidates, and stores both. */
  private async settle(build: BuildSpec): Promise<void> {
    const { ctx } = this;
    const own = ctx.states.filter((s) => s.build.id === build.id);
    const built = this.built.get(build.id);
    if (!built) {
      const reason = this.failures.get(build.id);
      if (reason) for (const s of own) await this.fail(s, 'not-built', 'prepare', reason);
      return;
    }
    const modelPath = built.path;
    for (const s of own) {
      s.modelPath = modelPath;
      await ctx.store.updateVariant(s.variant.id, { modelPath, modelSha256: built.sha256, status: 'ok' });
    }
    const baselineId = baselineOf(ctx).variant.id;
    for (const level of [...new Set(own.map((s) => s.spec.graphOptLevel))]) {
      if (stopped(ctx)) return;
      const check = await this.check(build, modelPath, level);
      if (!check) return;
      for (const s of own.filter((x) => x.spec.graphOptLevel === level)) {
        await ctx.store.recordFidelity({
          variantId: s.variant.id,
          baselineVariantId: baselineId,
          source: FIDELITY_SOURCE,
          metrics: 'error' in check ? null : recordMetrics(check.metrics),
          error: 'error' in check ? check.error : null,
        });
        if ('error' in check) {
          await this.fail(s, 'failed', 'error', check.error);
          continue;
        }
        s.fidelity = check.metrics;
        s.verdict = check.verdict;
        if (check.verdict.holds) {
          s.status = 'racing';
          continue;
        }
        const reason = `fails the budget: ${check.verdict.failures.join('; ')}`;
        // The baseline is measured as the reference even when it misses the budget.
        if (s.spec.baseline) {
          s.status = 'rejected-by-budget';
          s.reason = reason;
        } else await this.fail(s, 'rejected-by-budget', 'budget', reason);
      }
    }
  }

  /**
   * Mixed precision, when the space has it and every full int8-static build misses the budget:
   * the closest one's ops ranked, and the count kept in float searched by bisection. The build
   * found joins the candidates. Null when there was nothing to search.
   */
  async mixed(builds: readonly BuildSpec[]): Promise<MixedSearchRecord | null> {
    const { ctx } = this;
    if (!ctx.space.families.includes('mixed') || stopped(ctx)) return null;
    const checked = builds
      .filter((b) => b.family === 'int8-static')
      .map((build) => ({ build, check: this.checks.get(`${build.id}@all`) }))
      .filter(
        (x): x is { build: BuildSpec; check: { metrics: BudgetMetrics; verdict: BudgetVerdict } } =>
          x.check !== undefined && 'verdict' in x.check,
      );
    if (checked.some((x) => x.check.verdict.holds)) {
      if (checked.some((x) => !x.check.verdict.holds))
        ctx.notes.push('mixed precision was not searched: a full int8-static build already meets the budget');
      return null;
    }
    const closest = checked.sort((a, b) => a.check.verdict.shortfall - b.check.verdict.shortfall)[0];
    return closest ? this.searchMixed(closest.build) : null;
  }

  private async searchMixed(from: BuildSpec): Promise<MixedSearchRecord> {
    const { ctx } = this;
    ctx.emit({
      type: 'mixed',
      text: `full int8 misses the budget; ranking the ops of ${from.id} by sensitivity…`,
    });
    const ranked = await ctx.measurer.rankSensitivity({ input: ctx.model.path, build: from, data: ctx.data });
    if (!ranked.ok) {
      if (ranked.aborted) ctx.interrupted = true;
      const note = `the sensitivity ranking failed: ${ranked.failure.reason}`;
      ctx.emit({ type: 'mixed', text: note });
      return {
        from: from.id,
        ranked: 0,
        allQuantizedSnrDb: Number.NaN,
        ranking: [],
        probes: [],
        kept: null,
        build: null,
        note,
      };
    }
    const { ranking, graphOrder, allQuantizedSnrDb } = ranked.value;
    const cap = mixedCap(ranking.length);
    ctx.emit({
      type: 'mixed',
      text: `${ranking.length} ops ranked (all quantized: ${allQuantizedSnrDb.toFixed(1)} dB on the calibration samples); searching how many to keep in float (at most ${cap}), most sensitive first, then from the input`,
    });
    const sensitive = await this.searchOrder(from, ranking, 'most-sensitive', cap);
    const fromInput =
      graphOrder.length > 0 && !stopped(ctx)
        ? await this.searchOrder(from, graphOrder, 'from-input', cap)
        : null;
    const none = sensitive.kept === null && (fromInput?.kept ?? null) === null;
    return {
      from: from.id,
      ranked: ranking.length,
      allQuantizedSnrDb,
      ranking: ranking.slice(0, 50),
      probes: sensitive.probes,
      kept: sensitive.kept,
      build: sensitive.build,
      ...(fromInput ? { fromInput } : {}),
      cap,
      note: none
        ? `no count of ops kept in float up to ${cap} met the budget, neither the most sensitive nor the first from the input (a mixed model keeping more would hardly beat float)`
        : null,
    };
  }

  /** The count search over one order of the ops; the build found joins the candidates. */
  private async searchOrder(
    from: BuildSpec,
    ops: readonly string[],
    order: MixedOrder,
    cap: number,
  ): Promise<{ probes: MixedProbeRecord[]; kept: number | null; build: string | null }> {
    const { ctx } = this;
    const which = order === 'from-input' ? 'the first' : 'the most sensitive';
    const probes: MixedProbeRecord[] = [];
    const search = await searchKeepCount(
      ops.length,
      async (kept) => {
        if (stopped(ctx)) return false;
        const build = mixedBuild(from, ops, kept, order);
        ctx.builds.set(build.id, build);
        const modelPath = await this.build(build);
        const check = modelPath ? await this.check(build, modelPath, 'all') : null;
        const holds = check !== null && 'verdict' in check && check.verdict.holds;
        const summary = !modelPath
          ? (this.failures.get(build.id) ?? 'not built')
          : !check || 'error' in check
            ? `fidelity not measured${check ? `: ${check.error}` : ''}`
            : `${metricsText(ctx.budget, check.metrics)}${holds ? '' : ` (${check.verdict.failures.join('; ')})`}`;
        probes.push({ kept, holds, build: build.id, summary });
        ctx.emit({
          type: 'mixed',
          text: `keeping ${which} ${kept} of ${ops.length} in float: ${holds ? 'meets the budget' : 'misses it'} — ${summary}`,
        });
        return holds;
      },
      cap,
    );
    if (search.kept === null) return { probes, kept: null, build: null };
    const build = mixedBuild(from, ops, search.kept, order);
    await addCandidates(ctx, planCandidates([build], ctx.space, ctx.deployment));
    await this.settle(build);
    return { probes, kept: search.kept, build: build.id };
  }
}

/**
 * The most ops a mixed build keeps in float: a quarter of them (at least 1). Beyond that the
 * float islands and their DQ/Q boundaries cost about what int8 saves, and the search would build
 * many models to find one that cannot win.
 */
export function mixedCap(ranked: number): number {
  return Math.max(1, Math.ceil(ranked / 4));
}
