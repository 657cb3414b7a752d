/** The terminal view of `edgebench env`. */
import { pythonSourceLabel } from '../engines/torch/python.js';
import type { EnvironmentReport } from '../env/environment.js';
import { bytes, table } from './format.js';

export function formatEnvironment(env: EnvironmentReport): string {
  const h = env.host;
  const rows: string[][] = [
    ['item', 'value'],
    ['os', `${h.os.distro ?? h.os.platform} (${h.os.platform}, kernel ${h.os.release})`],
    ['cpu', h.cpu.model],
    [
      'cores',
      `${h.cpu.logicalCores} logical${h.cpu.physicalCores ? `, ${h.cpu.physicalCores} physical` : ''}`,
    ],
    ['isa features', h.cpu.features.join(' ') || '—'],
    ['cpu governor', h.cpu.governor ?? 'unknown (no cpufreq on this machine)'],
    ['memory', bytes(h.memoryBytes)],
    [
      'gpus',
      h.gpus.length
        ? h.gpus
            .map((g) => `${g.vendor} ${g.name}${g.memoryBytes ? ` (${bytes(g.memoryBytes)})` : ''}`)
            .join('; ')
        : 'none found',
    ],
    [
      'jetson',
      h.jetson
        ? `${h.jetson.model ?? 'Jetson'}; ${h.jetson.release}; power mode ${h.jetson.powerMode ?? 'unknown'}`
        : 'no',
    ],
    ['node', h.node],
    ['onnxruntime-node', env.onnxruntime],
    ['edgebench', env.edgebench],
  ];
  const eps = table(
    [
      ['execution provider', 'bundled', 'works here', 'why not'],
      ...env.executionProviders.map((p) => [
        p.id,
        p.bundled ? 'yes' : 'no',
        p.available ? 'yes' : 'no',
        p.reason ?? '',
      ]),
    ],
    { alignLeft: [1, 2, 3] },
  );
  const telemetry = table(
    [
      ['telemetry source', 'works here', 'why not'],
      ...env.telemetrySources.map((t) => [t.id, t.available ? 'yes' : 'no', t.reason ?? '']),
    ],
    { alignLeft: [1, 2] },
  );
  const pythons = table(
    [
      ['engine', 'python', 'passed over'],
      ...env.pythons.map((use) => [
        use.engine,
        use.chosen
          ? `${use.chosen.python} (${pythonSourceLabel(use.chosen.source)}; Python ${use.chosen.version})`
          : `none: ${use.reason ?? 'no interpreter found'}`,
        use.skipped.map((s) => `${s.python} (${pythonSourceLabel(s.source)}): ${s.reason}`).join('; ') || '—',
      ]),
    ],
    { alignLeft: [1, 2] },
  );
  return `${table(rows, { alignLeft: [1] })}\n\n${eps}\n\n${telemetry}\n\n${pythons}\n`;
}
