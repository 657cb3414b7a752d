import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopRuleFlag } from '../../src/cli/shared-options.js';
import { UserError } from '../../src/errors.js';
import { openStore } from '../../src/store/index.js';
import { resolveSettings, TUNE_STOP_RULES, type TuneOptions } from '../../src/tune/options.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';

afterAll(removeTempDirs);

describe('the stop rules of a race', () => {
  // resolveSettings reads no store; the options need one all the same.
  const store = openStore(path.join(tempDir('edgebench-tune-options-'), 'store.db'));
  afterAll(async () => (await store).close());
  const base = async (extra: Partial<TuneOptions>): Promise<TuneOptions> => ({
    model: 'unused.onnx',
    store: await store,
    ...extra,
  });
  const refusal = async (extra: Partial<TuneOptions>): Promise<string> => {
    try {
      resolveSettings(await base(extra));
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return (error as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('takes the tune defaults, a p99 minimum, and the caller’s rules', async () => {
    expect(resolveSettings(await base({})).stopRules).toEqual(TUNE_STOP_RULES);
    expect(resolveSettings(await base({ objective: 'p99' })).stopRules.minCount).toBe(200);
    expect(
      resolveSettings(await base({ stopRules: { minCount: 30, maxCount: 30 } })).stopRules,
    ).toMatchObject({
      minCount: 30,
      maxCount: 30,
    });
  });

  it('refuses a minimum above its cap, in the field names or the caller’s', async () => {
    expect(await refusal({ stopRules: { minCount: 50, maxCount: 20 } })).toMatch(
      /^minCount 50 is above maxCount 20: a measurement would stop at 20 runs; raise maxCount \(0 = no cap\) or lower minCount$/,
    );
    expect(await refusal({ stopRules: { minTimeMs: 9000 }, stopRuleName: stopRuleFlag })).toMatch(
      /^--min-time 9000 is above --max-time 5000 \(the tune default\): a measurement would stop at 5000 ms/,
    );
    expect(await refusal({ stopRules: { warmupTimeMs: 2000, maxTimeMs: 1000 } })).toMatch(
      /^warmupTimeMs 2000 is above maxTimeMs 1000, which caps warm-up too/,
    );
  });

  it('refuses values out of range, and a time budget the minimums do not fit', async () => {
    expect(await refusal({ stopRules: { minTimeMs: -1 } })).toMatch(
      /^stop rules: minTimeMs must be a non-negative number, got -1/,
    );
    expect(await refusal({ stopRules: { minTimeMs: 4000 }, timeBudgetMs: 3000 })).toMatch(
      /time budget of 3\.0 s is too small to measure even the baseline once \(a measurement takes at least 4\.2 s/,
    );
  });
});
