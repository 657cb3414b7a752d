// What measuring over SSH costs, against the same measurement run here, same runner, same model:
//   per-round overhead   wall time of one measure() round on the target minus the same round here
//                        (the same PyTorch runner: a child process here, a process on the board there)
//   ratio of medians     the remote round's median latency over the local one (the network is never
//                        inside a sample, so this should be ~1)
//   time to first sample open + one-sample round, with the model copied for the first time vs cached
// The target is a board named with --target NAME (a saved target), or, without one, an OpenSSH server
// started on 127.0.0.1 with throwaway keys (as the tests do): loopback, so the figures are edgebench's
// own overhead, not a network's. Needs Python with torch on the board (here: /usr/bin/python3).
//
// The comparison is paired, so that what changes on this machine while the bench runs (other work,
// clocks, heat) lands on both sides: rounds go in pairs, one here and one there back to back, the
// order alternating (ABBA), and the ratio is taken within each pair; the figure is the median of those
// ratios, with the spread of the pairs. Both sides run the same protocol, checked from their results:
// the same stop rules (a fixed count, so neither stops on a different rule), the same warm-up, one
// thread, and no telemetry (a sampler there would be a second process on the board's cores, one here
// a timer in this process: not the same load). The load average is printed before and after.
// Usage: npm run bench:remote [-- --target NAME] [--rounds N] [--samples N]   (after npm run build)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { medianSorted, sortedCopy } from '../dist/core/stats.js';
import { measure } from '../dist/measure/measure.js';
import { addTarget } from '../dist/targets/config.js';
import { connectTarget } from '../dist/targets/sessions.js';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(option('--rounds') ?? 9);
const SAMPLES = Number(option('--samples') ?? 200);
const PYTHON = '/usr/bin/python3';
const median = (values) => medianSorted(sortedCopy(values));
const rules = (count, warmupCount = 10) => ({
  warmupTimeMs: 0,
  warmupCount,
  minTimeMs: 0,
  minCount: count,
  maxCount: count,
  maxTimeMs: 120_000,
  relCi: 0,
});
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** What both sides must have run alike: their effective stop rules, warm-up count and threads. */
const protocolOf = (result) =>
  JSON.stringify({
    stopRules: result.config.effective.stopRules,
    warmup: result.warmup.count,
    samples: result.samplesMs.length,
    threads: result.config.effective.intraOpThreads,
  });

let sshd;
let targetName = option('--target');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'edgebench-bench-remote-'));
if (!targetName) {
  const { startSshd, sshdSkipReason } = await import('../test/targets/sshd.ts');
  const skip = sshdSkipReason();
  if (skip) {
    console.log(`bench:remote skipped: ${skip}`);
    process.exit(0);
  }
  sshd = await startSshd();
  process.env.EDGEBENCH_TARGETS = path.join(scratch, 'targets.yaml');
  await addTarget('loopback', `ssh://${sshd.alias}`, { sshConfig: sshd.sshConfig });
  targetName = 'loopback';
}

const cpu = readFileSync('/proc/cpuinfo', 'utf8');
const model = /model name\s*:\s*(.*)/.exec(cpu)?.[1] ?? 'unknown CPU';
const isa = [...new Set(cpu.match(/avx512_vnni|avx_vnni|amx\w*/g) ?? [])].join(' ') || 'no VNNI/AMX';
console.log(`CPU: ${model} (${isa}); target: ${targetName}${sshd ? ' (OpenSSH on loopback)' : ''}`);
console.log(`load average before: ${loadAverage()} (1, 5, 15 min)`);

try {
  const started = performance.now();
  const target = await connectTarget(targetName);
  console.log(`connect + probe + runners in place: ${(performance.now() - started).toFixed(0)} ms`);
  const arch = 'zoo:squeezenet1_1?classes=10&input=1x3x64x64';
  const request = (count) => ({
    engine: 'torch/cpu',
    model: arch,
    torch: { python: PYTHON, threads: 1 },
    stopRules: rules(count),
    telemetry: false,
  });
  const localWall = [];
  const remoteWall = [];
  const localMedian = [];
  const remoteMedian = [];
  const pairRatios = [];
  const protocols = new Set();
  for (let round = 0; round < ROUNDS; round++) {
    // A pair: here and there back to back, the order alternating (ABBA), so drift lands on both.
    const pair = {};
    for (const where of round % 2 === 0 ? ['local', 'remote'] : ['remote', 'local']) {
      const t0 = performance.now();
      const result = await measure(where === 'remote' ? { ...request(SAMPLES), target } : request(SAMPLES));
      const wall = performance.now() - t0;
      (where === 'remote' ? remoteWall : localWall).push(wall);
      (where === 'remote' ? remoteMedian : localMedian).push(result.stats.medianMs);
      pair[where] = result.stats.medianMs;
      protocols.add(protocolOf(result));
    }
    pairRatios.push(pair.remote / pair.local);
  }
  if (protocols.size !== 1)
    console.log(`warning: the two sides did not run the same protocol: ${[...protocols].join(' vs ')}`);
  const overhead = median(remoteWall) - median(localWall);
  const ratio = median(pairRatios);
  const sortedRatios = sortedCopy(pairRatios);
  console.log(
    `per-round wall time: local ${median(localWall).toFixed(0)} ms, remote ${median(remoteWall).toFixed(0)} ms → overhead ${overhead.toFixed(0)} ms per round (target ≤ 300 ms on loopback)`,
  );
  console.log(
    `median latency: local ${median(localMedian).toFixed(3)} ms, remote ${median(remoteMedian).toFixed(3)} ms (${ROUNDS} pairs of rounds, ${SAMPLES} samples each)`,
  );
  console.log(
    `ratio remote/local, paired: median ${ratio.toFixed(3)} (pairs from ${sortedRatios[0].toFixed(3)} to ${sortedRatios.at(-1).toFixed(3)}; target within 2%); unpaired ratio of medians ${(median(remoteMedian) / median(localMedian)).toFixed(3)}`,
  );

  // Time to the first sample: a TorchScript file copied for the first time, then cached.
  const script = path.join(scratch, `squeezenet-${process.pid}.pt`);
  const saved = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, torch, torchvision; m = torchvision.models.squeezenet1_1(num_classes=10).eval(); torch.jit.trace(m, torch.zeros(1, 3, 64, 64)).save(sys.argv[1])',
      script,
    ],
    { encoding: 'utf8' },
  );
  if (saved.status !== 0)
    console.log(`time to first sample: skipped (${saved.stderr.trim().split('\n').at(-1)})`);
  else {
    const once = async () => {
      const t0 = performance.now();
      await measure({
        engine: 'torch/cpu',
        model: script,
        shapes: { input: [1, 3, 64, 64] },
        stopRules: { ...rules(1), warmupCount: 0 },
        telemetry: false,
        target,
      });
      return performance.now() - t0;
    };
    const first = await once();
    const cached = await once();
    console.log(
      `time to first sample (open + one-sample round): first copy ${first.toFixed(0)} ms, cached ${cached.toFixed(0)} ms`,
    );
  }
  await target.transport.close();
  console.log(`load average after: ${loadAverage()} (1, 5, 15 min)`);
} finally {
  await sshd?.stop();
  await rm(scratch, { recursive: true, force: true });
}
