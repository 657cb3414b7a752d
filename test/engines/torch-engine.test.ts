/**
 * The PyTorch engine end to end: with a fake python3 (a Node script first on PATH that speaks the
 * runner protocol), with the real python3 running the real runner script on its `null` model (no
 * torch needed), and with real torch where it is importable.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExternalMeasureSettings } from '../../src/engines/external.js';
import { registerEngine } from '../../src/engines/registry.js';
import { runProcess } from '../../src/engines/subprocess.js';
import { TorchEngine } from '../../src/engines/torch/engine.js';
import { clearPythonProbeCache, runnerScriptPath } from '../../src/engines/torch/python.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';
import { physicalCoreCount } from '../../src/host/host.js';
import { measureWithEngine } from '../../src/measure/measure-with-engine.js';
import { runResultSchema as engineRunResultSchema } from '../../src/measure/result.js';
import { tempDir } from '../helpers/temp.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';

const unix = process.platform !== 'win32';

/** A python3 that answers `probe` and `run` like the real runner, driven by FAKE_* variables. */
const FAKE_PYTHON = `
const fs = require('node:fs');
const mode = process.env.FAKE_TORCH_MODE || 'ok';
const cuda = process.env.FAKE_TORCH_CUDA === '1';
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const command = process.argv[3];
if (command === 'probe') {
  if (mode === 'no-torch') {
    say({ event: 'probe', protocol: 1, python: '3.8.10', executable: '/usr/bin/python3', torch: null, torchError: "ModuleNotFoundError: No module named 'torch'", torchvision: null });
  } else {
    say({ event: 'probe', protocol: 1, python: '3.8.10', executable: '/usr/bin/python3', torch: '1.10.0', torchvision: '0.11.1',
      cudaBuilt: '10.2', cudaAvailable: cuda, ...(cuda ? { cudaDevice: 'NVIDIA Tegra X1', cudaDeviceCount: 1 } : { cudaError: 'torch was built with CUDA 10.2, but no CUDA device is usable' }) });
  }
  process.exit(0);
}
const config = JSON.parse(fs.readFileSync(0, 'utf8').split('\\n')[0]);
if (process.env.FAKE_TORCH_CONFIG_OUT) fs.writeFileSync(process.env.FAKE_TORCH_CONFIG_OUT, JSON.stringify(config));
say({ event: 'hello', protocol: 1, python: '3.8.10', pid: process.pid });
if (mode === 'unavailable') { say({ event: 'error', kind: 'unavailable', message: 'torchvision is not importable (No module named torchvision)' }); process.exit(1); }
if (mode === 'user') { say({ event: 'error', kind: 'user', message: "torchvision 0.11.1 has no architecture named 's3d'" }); process.exit(1); }
console.log('a library printing to stdout');
say({ event: 'ready', coldStartMs: 2400.5, importMs: 5100, device: config.device, deviceName: config.device === 'cuda' ? 'NVIDIA Tegra X1' : 'aarch64',
  torch: '1.10.0', torchvision: '0.11.1', cuda: '10.2', mode: 'eager', threads: 4, interopThreads: 4, blas: 'generic',
  inputs: config.inputs.map((i) => ({ ...i, dtype: config.precision === 'fp16' ? 'float16' : 'float32' })), params: 11177538 });
say({ event: 'first', ms: 412.25 });
say({ event: 'warmup', count: config.stopRules.warmupCount, timeMs: 530 });
const n = config.stopRules.minCount;
const samples = Array.from({ length: n }, (_, i) => 30 + (i % 5) * 0.5);
if (mode === 'crash') { say({ event: 'samples', ms: samples.slice(0, 3) }); process.stderr.write('Segmentation fault (core dumped)\\n'); process.exit(139); }
for (let i = 0; i < n; i += 4) say({ event: 'samples', ms: samples.slice(i, i + 4) });
say({ event: 'done', count: mode === 'bad-count' ? n + 1 : n, stopReason: 'min-reached', startEpochMs: 1700000000000, endEpochMs: 1700000003000,
  outputs: [{ name: 'output0', shape: [config.inputs[0].shape[0], 2] }], peakRssBytes: 734003200, ...(config.device === 'cuda' ? { cudaMaxMemoryAllocatedBytes: 98566144 } : {}) });
`;

/** Just enough of torch and torchvision for the runner's code path, where no real torch is installed. */
const STAND_IN_TORCH: Record<string, string> = {
  'torch/__init__.py': `import os
__version__ = "0.0+stand-in"
_has_cuda = os.environ.get("STANDIN_CUDA") == "1"
_synced = [0]
class _Version:
    cuda = "12.4" if _has_cuda else None
version = _Version()
float32 = "torch.float32"
float16 = "torch.float16"
_threads = [2]
def get_num_threads(): return _threads[0]
def set_num_threads(n): _threads[0] = n
def get_num_interop_threads(): return 1
def manual_seed(seed): pass
class device:
    def __init__(self, kind, index=None): self.type = kind
class _Cuda:
    @staticmethod
    def is_available(): return _has_cuda
    @staticmethod
    def device_count(): return 1
    @staticmethod
    def get_device_name(device=None): return "Stand-in GPU"
    @staticmethod
    def synchronize(device=None): _synced[0] += 1
    @staticmethod
    def max_memory_allocated(device=None): return 4096 * _synced[0]
cuda = _Cuda()
class _Cudnn:
    benchmark = False
    @staticmethod
    def version(): return None
class _Backends:
    cudnn = _Cudnn()
backends = _Backends()
class Tensor:
    def __init__(self, shape): self.shape = tuple(shape)
def randn(*shape, dtype=None, device=None): return Tensor(shape)
class inference_mode:
    def __enter__(self): return self
    def __exit__(self, *exc): return False
from . import nn
`,
  // Counts parameters the way torch does (weights and biases; BatchNorm's scale and shift).
  'torch/nn.py': `def _triple(k): return tuple(k) if isinstance(k, (tuple, list)) else (k, k, k)
class Parameter:
    requires_grad = True
    def __init__(self, n): self.n = n
    def numel(self): return self.n
class Module:
    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_children", [])
        object.__setattr__(self, "_own", [])
    def __setattr__(self, key, value):
        if isinstance(value, Module): self._children.append(value)
        object.__setattr__(self, key, value)
    def parameters(self):
        for p in self._own: yield p
        for child in self._children:
            for p in child.parameters(): yield p
    def eval(self): return self
    def to(self, device): return self
    def half(self): return self
    def __call__(self, *inputs): return self.forward(*inputs)
class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        self._children.extend(modules)
    def forward(self, x):  # no arithmetic here: the output has the head's size
        import torch
        return torch.Tensor((x.shape[0], self._children[-1].cout))
class ModuleList(Sequential):
    def __init__(self, modules): super().__init__(*modules)
class Conv3d(Module):
    def __init__(self, cin, cout, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        k = _triple(kernel_size)
        self._own.append(Parameter(cin * cout * k[0] * k[1] * k[2]))
        if bias: self._own.append(Parameter(cout))
class BatchNorm3d(Module):
    def __init__(self, channels):
        super().__init__()
        self._own.append(Parameter(2 * channels))
class Linear(Module):
    def __init__(self, cin, cout, bias=True):
        super().__init__()
        self.cout = cout
        self._own.append(Parameter(cin * cout + (cout if bias else 0)))
class ReLU(Module): pass
class MaxPool3d(Module): pass
class AvgPool3d(Module): pass
class AdaptiveAvgPool3d(Module): pass
class Flatten(Module): pass
`,
  'torchvision/__init__.py': '__version__ = "0.0+stand-in"\n',
  'torchvision/models/video.py': '',
  'torchvision/models/__init__.py': `import torch
class _Parameter:
    requires_grad = True
    def numel(self): return 1234
class _Model:
    def __init__(self, num_classes): self.num_classes = num_classes
    def eval(self): return self
    def to(self, device): return self
    def half(self): return self
    def parameters(self): return [_Parameter()]
    def __call__(self, x): return torch.Tensor((x.shape[0], self.num_classes))
def get_model(name, weights=None, num_classes=1000, **kwargs):
    if weights is not None: raise ValueError("weights")
    return _Model(num_classes)
`,
};

const RULES = {
  warmupTimeMs: 500,
  warmupCount: 5,
  minTimeMs: 3000,
  minCount: 12,
  maxCount: 0,
  maxTimeMs: 60_000,
  relCi: 0.01,
};
function settings(overrides: Partial<ExternalMeasureSettings> = {}): ExternalMeasureSettings {
  return { stopRules: RULES, precision: 'fp32', seed: 7, ...overrides };
}

describe.skipIf(!unix)('torch engine with a fake python3', () => {
  let dir: string;
  const envFor = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dir}${path.delimiter}${process.env.PATH}`,
      ...extra,
    };
    delete env.EDGEBENCH_PYTHON;
    return env;
  };

  beforeAll(async () => {
    dir = await tempDir('edgebench-fake-python-');
    const bin = path.join(dir, 'python3');
    await writeFile(bin, `#!${process.execPath}\n${FAKE_PYTHON}`);
    await chmod(bin, 0o755);
  });

  it('probes torch/cpu and torch/cuda, with the reason CUDA is missing', async () => {
    clearPythonProbeCache();
    const probes = await new TorchEngine({
      systemPythons: [],
      env: envFor({ FAKE_TORCH_CUDA: '0' }),
    }).probe();
    expect(probes.map((p) => [p.id, p.available])).toEqual([
      ['torch/cpu', true],
      ['torch/cuda', false],
    ]);
    expect(probes[1].reason).toMatch(
      /torch 1\.10\.0: torch was built with CUDA 10\.2, but no CUDA device is usable/,
    );
    expect((probes[0] as { detail?: string }).detail).toMatch(
      /torch 1\.10\.0, torchvision 0\.11\.1, Python 3\.8\.10/,
    );
  });

  it('says torch is not importable, and where', async () => {
    clearPythonProbeCache();
    const probes = await new TorchEngine({
      systemPythons: [],
      env: envFor({ FAKE_TORCH_MODE: 'no-torch' }),
    }).probe();
    expect(probes.every((p) => !p.available)).toBe(true);
    expect(probes[0].reason).toMatch(
      /torch is not importable in python3 \(Python 3\.8\.10 at \/usr\/bin\/python3\): ModuleNotFoundError/,
    );
    clearPythonProbeCache();
    await expect(
      new TorchEngine({ systemPythons: [], env: envFor({ FAKE_TORCH_MODE: 'no-torch' }) }).measure(
        'resnet18',
        settings(),
      ),
    ).rejects.toThrow(EngineUnavailableError);
  });

  it('measures a zoo model on CUDA when auto finds it, passing the settings through', async () => {
    clearPythonProbeCache();
    const configOut = path.join(dir, 'config.json');
    const logs: string[] = [];
    const m = await new TorchEngine({
      systemPythons: [],
      env: envFor({ FAKE_TORCH_CUDA: '1', FAKE_TORCH_CONFIG_OUT: configOut }),
    }).measure('resnet18', settings({ batch: 2, onLog: (l) => logs.push(l) }), { numClasses: 2 });
    const config = JSON.parse(await readFile(configOut, 'utf8'));
    expect(config).toMatchObject({
      protocol: 1,
      model: { kind: 'zoo', name: 'resnet18', numClasses: 2 },
      device: 'cuda',
      precision: 'fp32',
      seed: 7,
      inputs: [{ name: 'input', shape: [2, 3, 224, 224] }],
      stopRules: RULES,
      precisionRule: { minSamples: 100, minTimeMs: 1000, checkEvery: 16 },
      threads: 0,
      defaultThreads: physicalCoreCount(),
    });
    expect(config.defaultThreads).toBeGreaterThanOrEqual(1);
    expect(m.engine).toBe('torch/cuda');
    expect(m.engineVersion).toBe('torch 1.10.0');
    expect(m.device).toBe('NVIDIA Tegra X1');
    expect(m.samplesMs).toHaveLength(12);
    expect(m.coldStartMs).toBe(2400.5);
    expect(m.firstInferenceMs).toBe(412.25);
    expect(m.warmup).toEqual({ count: 5, timeMs: 530 });
    expect(m.batch).toBe(2);
    expect(m.outputs).toEqual([{ name: 'output0', type: 'float32', shape: [2, 2] }]);
    expect(m.effectiveStopRules).toEqual(RULES);
    expect(m.intraOpThreads).toBe(4);
    expect(m.extras).toMatchObject({ cudaMaxMemoryAllocatedBytes: 98566144, params: 11177538 });
    expect(m.sampleMetric).toMatch(/synchronize/);
    expect(m.warnings).toEqual(['the runner printed 1 non-protocol line(s) on stdout']);
    expect(logs.join('\n')).toMatch(/ready on NVIDIA Tegra X1/);
  });

  it('refuses CUDA when asked for it and torch cannot use it', async () => {
    clearPythonProbeCache();
    await expect(
      new TorchEngine({ systemPythons: [], env: envFor({ FAKE_TORCH_CUDA: '0' }) }).measure(
        'resnet18',
        settings(),
        {
          device: 'cuda',
        },
      ),
    ).rejects.toThrow(/no CUDA device is usable/);
    const m = await new TorchEngine({ systemPythons: [], env: envFor({ FAKE_TORCH_CUDA: '0' }) }).measure(
      'mobilenet_v2',
      settings(),
    );
    expect(m.engine).toBe('torch/cpu');
    expect(m.sampleMetric).toMatch(/perf_counter/);
    // A CPU baseline on a reference BLAS is flagged; the same build on CUDA (above) is not.
    expect(m.extras).toMatchObject({ blas: 'generic' });
    expect(m.warnings.join('\n')).toMatch(/generic \(reference\) BLAS/);
  });

  it("classifies the runner's errors and its crashes", async () => {
    clearPythonProbeCache();
    const run = (mode: string) =>
      new TorchEngine({ systemPythons: [], env: envFor({ FAKE_TORCH_MODE: mode }) }).measure(
        'resnet18',
        settings(),
        {
          device: 'cpu',
        },
      );
    await expect(run('unavailable')).rejects.toThrow(EngineUnavailableError);
    await expect(run('user')).rejects.toThrow(UserError);
    await expect(run('crash')).rejects.toThrow(
      /stopped after 3 samples without reporting 'done'; python3 exited with code 139 \(stderr: Segmentation fault/,
    );
    await expect(run('bad-count')).rejects.toThrow(/reported 13 samples but sent 12/);
  });

  it('refuses int8, and explains a missing interpreter', async () => {
    await expect(
      new TorchEngine({ systemPythons: [], env: envFor() }).measure(
        'resnet18',
        settings({ precision: 'int8' }),
      ),
    ).rejects.toThrow(/fp32 or fp16/);
    clearPythonProbeCache();
    const empty = await tempDir();
    const engine = new TorchEngine({ systemPythons: [], env: { PATH: empty } });
    const probes = await engine.probe();
    expect(probes[0].reason).toMatch(/python3 not found on PATH .*EDGEBENCH_PYTHON/);
    await expect(engine.measure('resnet18', settings())).rejects.toThrow(EngineUnavailableError);
  });

  it('opens a session that measures in a Python subprocess, and refuses what cannot run', async () => {
    const session = await new TorchEngine().open('resnet18', {}, 'cpu');
    expect(session.kind).toBe('out-of-process');
    expect(session.where.kind).toBe('child-process');
    await expect(new TorchEngine().open('resnet18', {}, 'tpu')).rejects.toThrow(/unknown torch device 'tpu'/);
    await expect(new TorchEngine().open('no-such-architecture')).rejects.toThrow(
      /neither a file nor an architecture/,
    );
  });
});

// The real interpreter, running the real runner script.
const realEngine = new TorchEngine();
clearPythonProbeCache();
const realProbes = await realEngine.probe();
const pythonMissing = /not found on PATH|could not run the probe/.test(realProbes[0].reason ?? '');

describe.skipIf(pythonMissing)(
  `the real runner script${pythonMissing ? ` (skipped: ${realProbes[0].reason})` : ''}`,
  () => {
    it('reports what this python has, with reasons for what it lacks', () => {
      expect(realProbes.map((p) => p.id)).toEqual(['torch/cpu', 'torch/cuda']);
      for (const p of realProbes) if (!p.available) expect(p.reason).toMatch(/\S/);
    });

    it("measures the harness's own overhead with the null model (no torch needed)", async () => {
      const m = await realEngine.measure(
        'null',
        settings({
          stopRules: {
            warmupTimeMs: 10,
            warmupCount: 3,
            minTimeMs: 50,
            minCount: 200,
            maxCount: 0,
            maxTimeMs: 5000,
            relCi: 0,
          },
        }),
      );
      expect(m.engine).toBe('torch/cpu');
      expect(m.engineVersion).toBe('none (null model)');
      expect(m.samplesMs.length).toBeGreaterThanOrEqual(200);
      expect(m.warmup.count).toBeGreaterThanOrEqual(3);
      expect(m.stopReason).toBe('min-reached');
      expect(m.samplesMs.every((ms) => ms >= 0)).toBe(true);
    });

    it('stops at max count, and reaches the precision target on a steady call', async () => {
      const capped = await realEngine.measure(
        'null',
        settings({
          stopRules: {
            ...RULES,
            warmupTimeMs: 0,
            warmupCount: 0,
            minTimeMs: 10_000,
            minCount: 10,
            maxCount: 150,
          },
        }),
      );
      expect(capped.stopReason).toBe('max-count');
      expect(capped.samplesMs).toHaveLength(150);
      // The precision rule is trusted only after 1 s; a do-nothing call is steady enough for ±50% then.
      const precise = await realEngine.measure(
        'null',
        settings({
          stopRules: {
            ...RULES,
            warmupTimeMs: 0,
            warmupCount: 0,
            minTimeMs: 30_000,
            minCount: 100,
            relCi: 0.5,
          },
        }),
      );
      expect(precise.stopReason).toBe('precision-reached');
      expect(precise.samplesMs.length).toBeGreaterThanOrEqual(100);
    });

    it('answers a request it cannot honour with an error event, not a traceback', async () => {
      const outcome = await runProcess('python3', [runnerScriptPath(), 'run'], {
        input: `${JSON.stringify({ protocol: 99, model: { kind: 'null' } })}\n`,
      });
      expect(outcome.code).toBe(1);
      const events = outcome.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events).toEqual([
        { event: 'error', kind: 'user', message: expect.stringMatching(/protocol 99 requested/) },
      ]);
    });

    it('drives a stand-in torch through the whole run path (model, inputs, loop, outputs)', async () => {
      const site = await tempDir('edgebench-standin-torch-');
      for (const [file, text] of Object.entries(STAND_IN_TORCH)) {
        await mkdir(path.dirname(path.join(site, file)), { recursive: true });
        await writeFile(path.join(site, file), text);
      }
      clearPythonProbeCache();
      const env = { ...process.env, PYTHONPATH: site };
      const engine = new TorchEngine({ env });
      const [cpu, cuda] = await engine.probe();
      expect(cpu.available).toBe(true);
      expect(cuda.reason).toMatch(/a CPU-only wheel/);
      const m = await engine.measure(
        'shufflenet_v2_x1_0',
        settings({
          batch: 3,
          stopRules: {
            warmupTimeMs: 0,
            warmupCount: 2,
            minTimeMs: 0,
            minCount: 20,
            maxCount: 0,
            maxTimeMs: 5000,
            relCi: 0,
          },
        }),
        { numClasses: 2, threads: 3 },
      );
      clearPythonProbeCache();
      expect(m.engine).toBe('torch/cpu');
      expect(m.engineVersion).toBe('torch 0.0+stand-in');
      expect(m.inputs).toEqual([{ name: 'input', type: 'float32', shape: [3, 3, 224, 224] }]);
      expect(m.outputs).toEqual([{ name: 'output0', type: 'float32', shape: [3, 2] }]);
      expect(m.samplesMs).toHaveLength(20);
      expect(m.warmup.count).toBe(2);
      expect(m.intraOpThreads).toBe(3);
      expect(m.extras).toMatchObject({ params: 1234, torchvision: '0.0+stand-in' });
      expect(m.graphOptimization).toBe('none (eager)');

      clearPythonProbeCache();
      const gpu = new TorchEngine({ env: { ...env, STANDIN_CUDA: '1' } });
      const onCuda = await gpu.measure(
        'r3d_18',
        settings({
          precision: 'fp16',
          stopRules: {
            warmupTimeMs: 0,
            warmupCount: 1,
            minTimeMs: 0,
            minCount: 10,
            maxCount: 0,
            maxTimeMs: 5000,
            relCi: 0,
          },
        }),
      );
      clearPythonProbeCache();
      expect(onCuda.engine).toBe('torch/cuda');
      expect(onCuda.device).toBe('Stand-in GPU');
      expect(onCuda.inputs).toEqual([{ name: 'input', type: 'float16', shape: [1, 3, 16, 112, 112] }]);
      // synchronize once after moving the model, then before and after each of 1 first + 1 warm-up + 10 timed calls
      expect(onCuda.extras.cudaMaxMemoryAllocatedBytes).toBe(4096 * (2 * 12 + 1));
    });

    it("defines the study's custom video models with docs/zoo.md's parameter counts", async () => {
      const site = await tempDir('edgebench-standin-torch-');
      for (const [file, text] of Object.entries(STAND_IN_TORCH)) {
        await mkdir(path.dirname(path.join(site, file)), { recursive: true });
        await writeFile(path.join(site, file), text);
      }
      const code = [
        'import json, sys',
        `sys.path[:0] = [${JSON.stringify(site)}, ${JSON.stringify(path.dirname(runnerScriptPath()))}]`,
        'import torch, edgebench_torch as e',
        'names = ["c3d_small", "conv3d_autoencoder", "densenet3d"]',
        'print(json.dumps({n: [sum(p.numel() for p in e.build_zoo_model(torch, n, c).parameters()) for c in (None, 2, 4)] for n in names}))',
      ].join('\n');
      const outcome = await runProcess('python3', ['-B', '-c', code]);
      expect(outcome.stderr).toBe('');
      // docs/zoo.md: 400 (default), 2 and 4 classes
      expect(JSON.parse(outcome.stdout)).toEqual({
        c3d_small: [3_545_968, 3_443_682, 3_444_196],
        conv3d_autoencoder: [1_249_264, 1_197_922, 1_198_180],
        densenet3d: [1_023_488, 911_650, 912_212],
      });
    });

    it('takes zoo specs through measureWithEngine: same head and input as the ONNX side', async () => {
      const site = await tempDir('edgebench-standin-torch-');
      for (const [file, text] of Object.entries(STAND_IN_TORCH)) {
        await mkdir(path.dirname(path.join(site, file)), { recursive: true });
        await writeFile(path.join(site, file), text);
      }
      clearPythonProbeCache();
      registerEngine('torch', () => new TorchEngine({ env: { ...process.env, PYTHONPATH: site } }));
      try {
        const result = await measureWithEngine('torch/cpu', 'zoo:c3d_small?preset=paper', {
          batch: 2,
          stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 8, maxTimeMs: 5000 },
        });
        expect(result.model).toMatchObject({
          path: 'zoo:c3d_small?preset=paper',
          name: 'c3d_small',
          sha256: null,
        });
        expect(result.model.inputs).toEqual([
          { name: 'input', type: 'float32', shape: [2, 3, 16, 112, 112] },
        ]);
        expect(result.model.outputs).toEqual([{ name: 'output0', type: 'float32', shape: [2, 4] }]);
        expect(result.config.effective.providerOptions).toMatchObject({ numClasses: 4 });
        expect(result.stats.count).toBe(8);
      } finally {
        registerEngine('torch', () => new TorchEngine());
        clearPythonProbeCache();
      }
    });

    it('comes back through measureWithEngine as a valid result', async () => {
      const result = await measureWithEngine('torch/cpu', 'null', {
        stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 20, minCount: 50, maxTimeMs: 5000 },
      });
      const parsed = engineRunResultSchema.parse(result);
      expect(parsed.model).toMatchObject({ path: 'null', name: 'null', sha256: null, sizeBytes: null });
      expect(parsed.config.effective).toMatchObject({
        engine: 'torch/cpu',
        executionProvider: 'cpu',
        graphOptLevel: 'none (eager)',
      });
      expect(parsed.stats.count).toBe(parsed.samplesMs.length);
    });
  },
);

const torchEngine = TORCH_PYTHON
  ? new TorchEngine({ env: { ...process.env, EDGEBENCH_PYTHON: TORCH_PYTHON } })
  : undefined;
describe.skipIf(!torchEngine)(
  `real PyTorch${torchEngine ? '' : ' (skipped: no python3 here imports torch)'}`,
  () => {
    it('measures resnet18 eager on the CPU', async () => {
      const m = await torchEngine!.measure(
        'resnet18',
        settings({
          stopRules: { ...RULES, warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 5, relCi: 0 },
        }),
        { device: 'cpu', numClasses: 2 },
      );
      expect(m.samplesMs.length).toBeGreaterThanOrEqual(5);
      expect(m.outputs[0].shape).toEqual([1, 2]);
      // threads 0: one per physical core, whatever this torch build's own default is.
      if (!process.env.OMP_NUM_THREADS) expect(m.intraOpThreads).toBe(physicalCoreCount());
      // The build's BLAS is reported, and a reference BLAS is called out as a weak CPU baseline.
      const blas = (m.extras as { blas?: string | null }).blas;
      // Every torch build states its BLAS in its build settings (BLAS_INFO).
      expect(blas).toMatch(/^\w+$/);
      expect(m.warnings.some((w) => /generic \(reference\) BLAS/.test(w))).toBe(blas === 'generic');
      expect(m.engineVersion).toMatch(/^torch \d/);
    });
  },
);
