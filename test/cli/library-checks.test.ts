/**
 * The checks the commands call in the library, used directly: each refuses in the words the command
 * prints (the CLI tests pin those lines end to end) and lets through what is fine.
 */
import { describe, expect, it } from 'vitest';
import { checkAgentId } from '../../src/fleet/devices.js';
import {
  checkRunOnTarget,
  checkRunSettings,
  type EngineBoundSetting,
  resolveRunEngine,
} from '../../src/measure/request-checks.js';
import { checkRealtimeOnly } from '../../src/pipelines/realtime.js';
import { serverStoreLocation } from '../../src/store/location.js';
import { checkGateable, diffStudies } from '../../src/study/diff.js';
import { checkStudySource, loadStudySpec } from '../../src/study/source.js';
import { fakeStudy } from '../report/fixture.js';

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const givenOnly =
  (...settings: EngineBoundSetting[]) =>
  (setting: EngineBoundSetting) =>
    settings.includes(setting);

describe('run settings', () => {
  it('refuses a precision target of 100%, a minimum above its cap, and ignored energy settings', () => {
    const check = (settings: Partial<Parameters<typeof checkRunSettings>[0]>) => () =>
      checkRunSettings({ stopRules: {}, telemetryIntervalMs: 100, ...settings }, flagOf);
    expect(check({ stopRules: { relCi: 1 } })).toThrow(/^--rel-ci is a fraction below 1 .*got 1$/);
    expect(check({ stopRules: { minCount: 50, maxCount: 10 } })).toThrow(
      /^--min-count 50 is above --max-count 10: the run would stop at 10 runs/,
    );
    expect(check({ estimateEnergy: true, telemetryIntervalMs: 0 })).toThrow(/needs telemetry/);
    expect(check({ tdpWatts: 15 })).toThrow(/--tdp-watts is used only to estimate energy/);
    expect(
      check({ stopRules: { relCi: 0.02, minCount: 5 }, estimateEnergy: true, tdpWatts: 15 }),
    ).not.toThrow();
  });

  it('folds --ep into ort, and refuses what the engine does not take', () => {
    expect(resolveRunEngine({ engine: 'ort', ep: 'cpu', given: givenOnly() })).toEqual({
      id: 'ort',
      name: 'ort/cpu',
      ep: 'cpu',
    });
    expect(resolveRunEngine({ engine: 'ort/webgpu', ep: 'cpu', given: givenOnly() }).ep).toBe('webgpu');
    expect(() => resolveRunEngine({ engine: 'ort/webgpu', ep: 'cpu', given: givenOnly('ep') })).toThrow(
      '--engine ort/webgpu contradicts --ep cpu: give one of them',
    );
    expect(() =>
      resolveRunEngine({ engine: 'torch', ep: 'cpu', given: givenOnly('ep', 'optLevel') }),
    ).toThrow('--ep, --opt-level are for onnxruntime (--engine ort), not torch: drop them');
    expect(() => resolveRunEngine({ engine: 'trtexec', ep: 'cpu', given: givenOnly('threads') })).toThrow(
      /--threads is not a trtexec setting/,
    );
    expect(resolveRunEngine({ engine: 'torch/cuda', ep: 'cpu', given: givenOnly('python') })).toEqual({
      id: 'torch',
      name: 'torch/cuda',
      ep: 'cpu',
    });
  });

  it('refuses on a device what only this machine can do', () => {
    expect(() => checkRunOnTarget('board', givenOnly('input'))).toThrow(
      /^--input: inputs from files are fed in this process; .*, which --target board cannot do/,
    );
    expect(() => checkRunOnTarget('board', givenOnly('threads'))).not.toThrow();
  });
});

describe('which study a command runs', () => {
  const missing = 'give a study spec file or --preset';
  it('refuses contradictions and nothing at all, and loads a preset', async () => {
    expect(() => checkStudySource({ file: 's.yaml', preset: 'quick' }, missing)).toThrow(
      'give a spec file or --preset, not both',
    );
    expect(() => checkStudySource({ preset: 'quick', resume: true }, missing)).toThrow(/^--resume continues/);
    expect(() => checkStudySource({}, missing)).toThrow(missing);
    expect(() => checkStudySource({ resume: true }, missing)).not.toThrow();
    expect((await loadStudySpec({ preset: 'quick' }))?.source).toBe('preset:quick');
    expect(await loadStudySpec({ resume: true })).toBeUndefined();
  });
});

describe('the other checks the commands call', () => {
  it('a server store only where one is named', () => {
    expect(serverStoreLocation('given.db', { EDGEBENCH_STORE: 'postgres://h/db' })).toBe('given.db');
    expect(serverStoreLocation(undefined, { EDGEBENCH_STORE: 'postgres://h/db' })).toBe('postgres://h/db');
    expect(serverStoreLocation(undefined, { EDGEBENCH_STORE: '/home/me/edgebench.db' })).toBeUndefined();
  });

  it('an agent id', () => {
    expect(() => checkAgentId('bad id')).toThrow(
      "--id must be letters, digits, . _ - (at most 64), got 'bad id'",
    );
    expect(() => checkAgentId('nano-01')).not.toThrow();
    expect(() => checkAgentId(undefined)).not.toThrow();
  });

  it('real-time-only settings without real time', () => {
    expect(() => checkRealtimeOnly({ '--fps': 3, '--queue': undefined, '--deadline-ms': 40 })).toThrow(
      /^--fps, --deadline-ms apply to camera emulation only: add --realtime/,
    );
    expect(() => checkRealtimeOnly({ '--fps': undefined })).not.toThrow();
  });

  it('a regression gate needs a variant in common', () => {
    const a = fakeStudy();
    const b = fakeStudy();
    b.study = { ...b.study, id: 'other' };
    b.variants = b.variants.map((v) => ({ ...v, key: `${v.key}-elsewhere` }));
    expect(() => checkGateable(diffStudies(a, b, { failOnRegressionPct: 5 }))).toThrow(
      /have no variant in common .* nothing to gate on/,
    );
    expect(() => checkGateable(diffStudies(a, b))).not.toThrow();
    expect(() => checkGateable(diffStudies(a, fakeStudy(), { failOnRegressionPct: 5 }))).not.toThrow();
  });
});
