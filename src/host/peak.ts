/**
 * An estimate of a CPU's peak arithmetic rate: cores × clock × operations per cycle per core for the
 * widest vector instructions the CPU reports. Always an estimate (labelled so wherever it appears):
 * the table below assumes every core issues its widest multiply-accumulate on all its vector units
 * every cycle at the clock found, which real kernels approach but never exceed. docs/methodology.md
 * gives the table with its sources.
 */
import type { CpuInfo } from './host.js';

export type PeakPrecision = 'fp32' | 'int8';

export interface PeakEstimate {
  /** Operations per second / 1e9 (GFLOP/s for fp32, GOP/s for int8). */
  gflopsPerSec: number;
  estimated: true;
  precision: PeakPrecision;
  cores: number;
  /** Where the core count came from, in words. */
  coresSource: string;
  clockMHz: number;
  /** Where the clock came from: cpufreq's maximum, or /proc/cpuinfo's current "cpu MHz". */
  clockSource: string;
  opsPerCycle: number;
  /** The instruction set the per-cycle figure is for, with its arithmetic. */
  isa: string;
  /** The whole computation, in one line. */
  formula: string;
}

export type PeakResult = { peak: PeakEstimate } | { peak: null; reason: string };

interface IsaRow {
  /** Every feature the row needs (names as CpuInfo.features has them). */
  needs: string[];
  /** x64 or arm64. */
  arch: 'x64' | 'arm64';
  opsPerCycle: number;
  isa: string;
}

/**
 * fp32 FLOPs per cycle per core. FMA counts 2 FLOPs; the x86 rows assume two FMA units (Intel since
 * Haswell, AMD since Zen 2; AVX-512: Skylake-SP Gold/Platinum, Ice Lake-SP, Sapphire Rapids, Zen 5).
 * CPUs with one 512-bit unit, or that split 512-bit work in two (Zen 4), reach half the AVX-512 row.
 */
const FP32_TABLE: readonly IsaRow[] = [
  { needs: ['avx512f'], arch: 'x64', opsPerCycle: 64, isa: 'AVX-512 FMA: 2 units × 16 fp32 lanes × 2' },
  { needs: ['avx2', 'fma'], arch: 'x64', opsPerCycle: 32, isa: 'AVX2 FMA: 2 units × 8 fp32 lanes × 2' },
  { needs: ['avx'], arch: 'x64', opsPerCycle: 16, isa: 'AVX: 8-lane add + 8-lane multiply' },
  { needs: [], arch: 'x64', opsPerCycle: 8, isa: 'SSE: 4-lane add + 4-lane multiply' },
  { needs: [], arch: 'arm64', opsPerCycle: 16, isa: 'NEON FMA: 2 units × 4 fp32 lanes × 2' },
];

/**
 * int8 operations per cycle per core (a multiply-accumulate counts 2). AMX: one 16×16×64 tile
 * product per 16 cycles; VNNI (vpdpbusd): 64 MACs per 512-bit instruction, 32 per 256-bit, two
 * units; without VNNI, vpmaddubsw + vpmaddwd share the two units (half the VNNI rate); Arm: SMMLA
 * (i8mm) 32 MACs, SDOT (dotprod) 16 MACs, SMLAL 8 MACs per 128-bit instruction, two units.
 */
const INT8_TABLE: readonly IsaRow[] = [
  { needs: ['amx_int8'], arch: 'x64', opsPerCycle: 2048, isa: 'AMX-INT8: 1024 MACs × 2' },
  { needs: ['avx512_vnni'], arch: 'x64', opsPerCycle: 256, isa: 'AVX-512 VNNI: 2 units × 64 MACs × 2' },
  { needs: ['avx_vnni'], arch: 'x64', opsPerCycle: 128, isa: 'AVX-VNNI: 2 units × 32 MACs × 2' },
  { needs: ['avx512bw'], arch: 'x64', opsPerCycle: 128, isa: 'AVX-512BW (no VNNI): 64 MACs × 2' },
  { needs: ['avx2'], arch: 'x64', opsPerCycle: 64, isa: 'AVX2 (no VNNI): 32 MACs × 2' },
  { needs: [], arch: 'x64', opsPerCycle: 32, isa: 'SSSE3: 16 MACs × 2' },
  { needs: ['i8mm'], arch: 'arm64', opsPerCycle: 128, isa: 'Arm I8MM (SMMLA): 2 units × 32 MACs × 2' },
  {
    needs: ['asimddp'],
    arch: 'arm64',
    opsPerCycle: 64,
    isa: 'Arm dot product (SDOT): 2 units × 16 MACs × 2',
  },
  { needs: [], arch: 'arm64', opsPerCycle: 32, isa: 'NEON (SMLAL): 2 units × 8 MACs × 2' },
];

const UNIT: Record<PeakPrecision, string> = { fp32: 'GFLOP/s', int8: 'GOP/s' };
const PER_CYCLE: Record<PeakPrecision, string> = { fp32: 'FLOP/cycle', int8: 'OP/cycle' };

export interface PeakRequest {
  precision: PeakPrecision;
  /** Intra-op threads the run used (0: the runtime's choice, one per physical core). */
  threads?: number;
}

/** The estimated peak of `cpu`, or why there is none (unknown architecture or clock). */
export function estimatePeak(cpu: CpuInfo, request: PeakRequest): PeakResult {
  const arch = cpu.architecture === 'x64' || cpu.architecture === 'arm64' ? cpu.architecture : undefined;
  if (!arch) return { peak: null, reason: `no operations-per-cycle figure for a ${cpu.architecture} CPU` };
  if (!cpu.clock)
    return {
      peak: null,
      reason: 'the CPU clock is unknown (no cpufreq maximum, no "cpu MHz" in /proc/cpuinfo)',
    };
  const table = request.precision === 'int8' ? INT8_TABLE : FP32_TABLE;
  const features = new Set(cpu.features);
  const row = table.find((r) => r.arch === arch && r.needs.every((f) => features.has(f)));
  if (!row) return { peak: null, reason: `no ${request.precision} figure for this ${arch} CPU` };
  const available = Math.min(cpu.physicalCores ?? cpu.logicalCores, cpu.logicalCores);
  const coresSource = cpu.physicalCores ? 'physical cores' : 'logical cores (the physical count is unknown)';
  const threads = request.threads ?? 0;
  const cores = threads > 0 ? Math.min(threads, available) : available;
  const source =
    threads > 0 && threads < available ? `intra-op threads (of ${available} ${coresSource})` : coresSource;
  const gflopsPerSec = (cores * cpu.clock.mhz * 1e6 * row.opsPerCycle) / 1e9;
  const formula = `${cores} cores × ${(cpu.clock.mhz / 1000).toFixed(2)} GHz (${cpu.clock.source}) × ${row.opsPerCycle} ${PER_CYCLE[request.precision]} (${row.isa}) = ${gflopsPerSec.toPrecision(4)} ${UNIT[request.precision]}`;
  return {
    peak: {
      gflopsPerSec,
      estimated: true,
      precision: request.precision,
      cores,
      coresSource: source,
      clockMHz: cpu.clock.mhz,
      clockSource: cpu.clock.source,
      opsPerCycle: row.opsPerCycle,
      isa: row.isa,
      formula,
    },
  };
}
