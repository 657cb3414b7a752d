import { describe, expect, it } from 'vitest';
import { int8Support } from '../../src/host/isa.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import { isaLines } from '../../src/report/study-text.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { presetSpec } from '../../src/study/presets.js';
import { fakeStudy } from '../report/fixture.js';

describe('what the ISA means for INT8', () => {
  it('names the dot-product features where there are some', () => {
    const zen5 = int8Support(['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni']);
    expect(zen5.dotProduct).toEqual(['avx512_vnni', 'avx_vnni']);
    expect(zen5.summary).toMatch(
      /^CPU ISA for INT8: avx512_vnni avx_vnni avx512bw avx512f avx2 — INT8 dot-product/,
    );
    expect(int8Support(['avx512f', 'amx_int8', 'avx512_vnni']).summary).toMatch(
      /AMX tiles and INT8 dot-product/,
    );
    expect(int8Support(['neon', 'asimddp', 'i8mm']).dotProduct).toEqual(['i8mm', 'asimddp']);
  });

  it('says INT8 may be slower where there are none', () => {
    const zen1 = int8Support(['avx2', 'fma']);
    expect(zen1.dotProduct).toEqual([]);
    expect(zen1.summary).toMatch(
      /avx2 — no VNNI, AMX or Arm dot-product .* INT8 may be no faster than fp32, or slower/,
    );
    expect(int8Support([]).summary).toMatch(/none of avx2/);
  });
});

describe('the quick preset shows what INT8 buys', () => {
  it('has a calibrated INT8 variant beside the fp32 one', () => {
    const { spec } = presetSpec('quick');
    expect(spec.optimized.map((v) => [v.name, v.recipes])).toEqual([
      ['optimized', ['fuse', 'ort-all']],
      ['int8', ['fuse', 'int8-static']],
    ]);
    expect(spec.fidelity).toBeTruthy();
  });

  it('prints the ISA line under a study table with INT8 rows, and only there', () => {
    const stored = fakeStudy();
    const analysis = analyzeStudy(stored);
    const lines = isaLines(analysis);
    expect(lines).toEqual([expect.stringMatching(/^CPU ISA for INT8: avx2 — no VNNI.*\(Test CPU <x86>\)$/)]);
    expect(formatStudyTable(analysis)).toContain(`note: ${lines[0]}`);
    const floatOnly = {
      ...stored,
      variants: stored.variants.filter((v) => !v.recipes.some((r) => r.startsWith('int8'))),
    };
    expect(isaLines(analyzeStudy(floatOnly))).toEqual([]);
  });
});
