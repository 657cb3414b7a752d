// What the telemetry sampler costs at the default interval, and whether a busy measuring thread delays it.
// Prints figures only; it never fails on a timing. Run after `npx tsc -p tsconfig.build.json`.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_TELEMETRY_INTERVAL_MS,
  describeTelemetrySources,
  startTelemetry,
} from '../dist/telemetry/index.js';

const SECONDS = Number(process.env.TELEMETRY_BENCH_SECONDS ?? 5);
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const fmt = (value, digits = 3) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

const detections = await describeTelemetrySources();
console.log('telemetry sources on this machine:');
for (const d of detections)
  console.log(`  ${d.id.padEnd(11)} ${d.available ? 'available' : `unavailable: ${d.reason}`}`);

// 1. The process idling, without the sampler: the baseline.
let wall0 = performance.now();
let cpu0 = cpuMs();
await sleep(SECONDS * 1000);
const baselineCpuMs = cpuMs() - cpu0;
const baselineWallMs = performance.now() - wall0;

// 2. The same idle wait with the sampler running at the default interval, after a one-second settle
//    (start-up — worker thread, module load, source detection, first JIT — is reported on its own).
const startCpu = cpuMs();
const sampler = await startTelemetry({ intervalMs: DEFAULT_TELEMETRY_INTERVAL_MS });
await sleep(1000);
const startupCpuMs = cpuMs() - startCpu;
wall0 = performance.now();
cpu0 = cpuMs();
await sleep(SECONDS * 1000);
const withCpuMs = cpuMs() - cpu0;
const withWallMs = performance.now() - wall0;
const record = await sampler.stop();

const processDeltaPct = (withCpuMs / withWallMs - baselineCpuMs / baselineWallMs) * 100;
const used = detections.filter((d) => d.available).map((d) => d.id);
console.log(
  `\nsampler cost at ${DEFAULT_TELEMETRY_INTERVAL_MS} ms (${record.samples.length} samples, sources: ${used.join(', ')}):`,
);
console.log(`  start-up and first second: ${fmt(startupCpuMs, 1)} ms of CPU`);
console.log(
  `  sampler thread CPU (its own schedstat), whole recording: ${fmt(record.cost.threadCpuMs, 2)} ms over ${fmt(record.cost.wallMs, 0)} ms = ${fmt(record.cost.pctOfCore)} % of one core (target < 1 %)`,
);
console.log(
  `  whole process, ${SECONDS} s with the sampler minus ${SECONDS} s without: ${fmt(processDeltaPct)} % of one core (includes the worker's JIT and GC threads; noisy on shared machines)`,
);
console.log(
  `  helper processes (nvidia-smi, tegrastats): ${record.cost.childCpuMs === null ? 'none' : `${fmt(record.cost.childCpuMs, 1)} ms CPU`}`,
);
console.log(`  ticks started more than one interval late: ${record.cost.lateTicks} of ${record.cost.ticks}`);

// 2b. The floor on this machine: a worker thread that only wakes up every interval and does nothing.
const floorPct = await new Promise((resolve) => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const cpu = () => { try { return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6; } catch { return null; } };
    const c0 = cpu(); const t0 = performance.now();
    const tick = () => {
      if (performance.now() - t0 < workerData.ms) { setTimeout(tick, workerData.interval); return; }
      const c1 = cpu();
      parentPort.postMessage(c0 === null || c1 === null ? null : ((c1 - c0) / (performance.now() - t0)) * 100);
    };
    setTimeout(tick, workerData.interval);`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { ms: SECONDS * 1000, interval: DEFAULT_TELEMETRY_INTERVAL_MS },
  });
  worker.on('message', (pct) => {
    worker.terminate();
    resolve(pct);
  });
});
console.log(
  `  for scale: an empty worker waking every ${DEFAULT_TELEMETRY_INTERVAL_MS} ms costs ${fmt(floorPct)} % of one core here`,
);

// 3. A measuring thread that never yields: the sampler, in its own thread, keeps its schedule.
const busy = await startTelemetry({ intervalMs: DEFAULT_TELEMETRY_INTERVAL_MS, sources: ['proc'] });
const spinUntil = performance.now() + 2000;
let spins = 0;
while (performance.now() < spinUntil) spins++;
const busyRecord = await busy.stop();
const gaps = busyRecord.samples.slice(1).map((s, i) => s.tMs - busyRecord.samples[i].tMs);
console.log(
  `\nwith the main thread spinning for 2 s (${spins} loop turns): ${busyRecord.samples.length} samples, ` +
    `largest gap ${fmt(Math.max(...gaps), 1)} ms, median gap ${fmt(gaps.sort((a, b) => a - b)[gaps.length >> 1], 1)} ms ` +
    `(interval ${DEFAULT_TELEMETRY_INTERVAL_MS} ms)`,
);
