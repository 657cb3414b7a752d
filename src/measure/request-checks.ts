/**
 * The checks of a measurement that need neither the model nor a device, in one place: measure()
 * makes those of its request; a front end (`edgebench run`) makes those of its settings first, so a
 * conflict is refused in one line before anything loads. Messages name the settings by `run`'s
 * flags, the words a user of either sees.
 */
import {
  DEFAULT_STOP_RULES,
  type StopRules,
  type StopRuleWording,
  stopRuleConflicts,
} from '../core/settings.js';
import { EXTERNAL_PRECISIONS, type ExternalPrecision } from '../engines/external-precisions.js';
import { UserError } from '../errors.js';
import type { TelemetryRunOptions } from './measure.js';

export function checkPrecision(precision: string): ExternalPrecision {
  if (!(EXTERNAL_PRECISIONS as readonly string[]).includes(precision))
    throw new UserError(`precision must be one of ${EXTERNAL_PRECISIONS.join(', ')}, got '${precision}'`);
  return precision as ExternalPrecision;
}

export function checkTelemetry(telemetry: TelemetryRunOptions | undefined): void {
  if (telemetry?.estimateEnergy && telemetry.tdpWatts === undefined)
    throw new UserError("--estimate-energy needs the processor's TDP: add --tdp-watts W");
  if (telemetry?.tdpWatts !== undefined && !(Number.isFinite(telemetry.tdpWatts) && telemetry.tdpWatts > 0))
    throw new UserError(
      `--tdp-watts must be a positive number of watts (the processor's TDP, e.g. 15), got ${telemetry.tdpWatts}`,
    );
}

/** A run's stop rules and telemetry as asked for, before they become a request. */
export interface RunSettings {
  stopRules: Partial<StopRules>;
  /** Telemetry's sampling interval, ms; 0 turns telemetry off. */
  telemetryIntervalMs: number;
  estimateEnergy?: boolean;
  tdpWatts?: number;
}

/**
 * Stop rules that cannot work as asked (a precision target of 100% or more, a minimum above its
 * cap, which would be cut short unseen) and energy settings that would be ignored, refused.
 * `stopRuleName` names a rule as the caller's user set it (`minCount` → `--min-count`).
 */
export function checkRunSettings(settings: RunSettings, stopRuleName: StopRuleWording['name']): void {
  const { stopRules } = settings;
  if (stopRules.relCi !== undefined && stopRules.relCi >= 1)
    throw new UserError(
      `${stopRuleName('relCi')} is a fraction below 1 (e.g. 0.01 for ±1%), got ${stopRules.relCi}`,
    );
  const [conflict] = stopRuleConflicts(stopRules, DEFAULT_STOP_RULES, {
    name: stopRuleName,
    unit: 'the run',
    zeroCap: '0 = unbounded',
    defaultCap: '(the default cap)',
  });
  if (conflict) throw new UserError(conflict.message);
  if (settings.estimateEnergy && !(settings.telemetryIntervalMs > 0))
    throw new UserError(
      '--estimate-energy needs telemetry (the CPU utilization it scales the TDP by): drop --telemetry-interval 0',
    );
  if (settings.tdpWatts !== undefined && !settings.estimateEnergy)
    throw new UserError(
      '--tdp-watts is used only to estimate energy: add --estimate-energy (or drop --tdp-watts)',
    );
}

/** The settings of `run` that only some engines (or only this machine) take. */
export type EngineBoundSetting =
  | 'ep'
  | 'interOpThreads'
  | 'optLevel'
  | 'executionMode'
  | 'providerOption'
  | 'outputsOnDevice'
  | 'graphCapture'
  | 'opsetUpgrade'
  | 'exportOutputs'
  | 'input'
  | 'scenario'
  | 'python'
  | 'trtexec'
  | 'profile'
  | 'threads';

/** Settings that only onnxruntime takes: given with another engine, they would be ignored unseen. */
const ORT_ONLY: ReadonlyArray<[EngineBoundSetting, string]> = [
  ['ep', '--ep'],
  ['interOpThreads', '--inter-op-threads'],
  ['optLevel', '--opt-level'],
  ['executionMode', '--execution-mode'],
  ['providerOption', '--provider-option'],
  ['outputsOnDevice', '--outputs-on-device'],
  ['graphCapture', '--graph-capture'],
  ['opsetUpgrade', '--no-opset-upgrade'],
  ['exportOutputs', '--export-outputs'],
  ['input', '--input'],
  ['scenario', '--scenario'],
];

export interface EngineChoice {
  /** As asked: `ort`, `ort/webgpu`, `torch/cuda`, `trtexec`, … */
  engine: string;
  /** onnxruntime's execution provider (its default when not given). */
  ep: string;
  precision?: ExternalPrecision;
  /** Whether the user set this setting (a default does not count). */
  given(setting: EngineBoundSetting): boolean;
}

/**
 * The engine a run measures with, `--ep` folded in (`--engine ort --ep webgpu` is `ort/webgpu`);
 * a setting the engine does not take is refused rather than ignored.
 */
export function resolveRunEngine(choice: EngineChoice): { id: string; name: string; ep: string } {
  const { engine, given } = choice;
  const [id = engine, variant] = engine.split('/');
  if (id === 'ort') {
    if (variant && given('ep') && variant !== choice.ep)
      throw new UserError(`--engine ${engine} contradicts --ep ${choice.ep}: give one of them`);
    const ep = variant || choice.ep;
    if (choice.precision)
      throw new UserError(
        "--precision is for torch and trtexec: onnxruntime runs the model file's own precision (make an fp16 or int8 file with edgebench optimize)",
      );
    if (given('python'))
      throw new UserError('--python is for the torch engine: drop it, or add --engine torch');
    return { id, name: `ort/${ep}`, ep };
  }
  const ortOnly = ORT_ONLY.filter(([setting]) => given(setting)).map(([, flag]) => flag);
  if (ortOnly.length > 0)
    throw new UserError(
      `${ortOnly.join(', ')} ${ortOnly.length > 1 ? 'are' : 'is'} for onnxruntime (--engine ort), not ${engine}: drop ${ortOnly.length > 1 ? 'them' : 'it'}`,
    );
  if (given('python') && id !== 'torch')
    throw new UserError(`--python is for the torch engine, not ${engine}: drop it`);
  if (given('trtexec') && id !== 'trtexec')
    throw new UserError(`--trtexec is for the trtexec engine, not ${engine}: drop it`);
  if (given('profile') && id !== 'trtexec')
    throw new UserError(
      `--profile is onnxruntime's and trtexec's per-layer profile; ${engine} has none: drop it`,
    );
  if (given('threads') && id === 'trtexec')
    throw new UserError('--threads is not a trtexec setting (TensorRT runs on the GPU): drop it');
  return { id, name: engine, ep: choice.ep };
}

/** What a run on a device cannot do, and why. */
const NOT_ON_A_TARGET: ReadonlyArray<[EngineBoundSetting, string]> = [
  ['python', "--python: on a device edgebench uses the device's Python that imports the engine"],
  ['trtexec', '--trtexec: on a device edgebench uses the trtexec the device probe found'],
  ['exportOutputs', '--export-outputs: outputs are read in this process'],
  ['input', '--input: inputs from files are fed in this process; the device synthesizes them'],
  ['scenario', '--scenario: LoadGen scenarios drive inferences from this process'],
];

/** A run on `target` (a device, not this machine) with a setting only this machine can honour is refused. */
export function checkRunOnTarget(target: string, isSet: (setting: EngineBoundSetting) => boolean): void {
  const refused = NOT_ON_A_TARGET.find(([setting]) => isSet(setting));
  if (refused) throw new UserError(`${refused[1]}, which --target ${target} cannot do: drop one of them`);
}
