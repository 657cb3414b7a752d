/** The terminal view of a device probe (`edgebench target check`): the device, then what runs there. */
import type { DeviceDescription } from '../targets/probe.js';
import { bytes, table } from './format.js';

const LEVEL_WORDS: Record<NonNullable<DeviceDescription['level']>, string> = {
  edgebench: 'edgebench runs on the device itself',
  trtexec: 'agentless: TensorRT through trtexec',
  'python-onnxruntime': 'agentless: onnxruntime in Python',
  'python-torch': 'agentless: PyTorch in Python',
};

function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value;
}

export function formatDeviceDescription(d: DeviceDescription): string {
  const j = d.jetson;
  const rows: string[][] = [
    ['item', 'value'],
    ['target', d.target === d.address ? d.target : `${d.target} (${d.address})`],
    [
      'os',
      `${d.os.distro ?? d.os.kernel} (${d.os.kernel} ${d.os.release}, ${d.os.machine}; glibc ${orDash(d.os.glibc)})`,
    ],
    ['cpu', orDash(d.cpu.model)],
    [
      'cores',
      `${d.cpu.logicalCores ?? '?'} logical${d.cpu.physicalCores ? `, ${d.cpu.physicalCores} physical` : ''}`,
    ],
    ['isa features', d.cpu.features.join(' ') || '—'],
    ['cpu governor', d.cpu.governors.join(', ') || 'unknown (no cpufreq)'],
    ['memory', d.memoryBytes === null ? '—' : bytes(d.memoryBytes)],
    [
      'gpus',
      d.gpus.length
        ? d.gpus
            .map((g) => `${g.vendor} ${g.name}${g.memoryBytes ? ` (${bytes(g.memoryBytes)})` : ''}`)
            .join('; ')
        : 'none found',
    ],
    [
      'jetson',
      j
        ? `${j.model ?? 'Jetson'}; L4T ${orDash(j.l4t)}; JetPack ${orDash(j.jetpack)}${j.jetpackFrom === 'l4t' ? ' (from L4T)' : ''}`
        : 'no',
    ],
  ];
  if (j) {
    const mode = j.powerMode;
    rows.push(
      [
        'power mode',
        mode
          ? `${mode.name ?? mode.id ?? '?'}${mode.id !== null ? ` (mode ${mode.id})` : ''}${mode.isMax === false ? `; maximum is ${mode.maxName}` : mode.isMax ? '; the maximum' : ''}`
          : 'unknown (no nvpmodel)',
      ],
      [
        'clocks',
        j.clocksLocked === null
          ? j.clocksDetail
          : j.clocksLocked
            ? 'locked (jetson_clocks)'
            : `not locked: ${j.clocksDetail}`,
      ],
      [
        'power rails',
        j.rails.length > 0
          ? j.rails.join(', ')
          : j.tegrastats
            ? `none in sysfs; tegrastats at ${j.tegrastats}`
            : 'none (no INA3221 power monitor on this board)',
      ],
    );
  }
  rows.push(
    ['cuda', orDash(d.cuda)],
    ['cudnn', orDash(d.cudnn)],
    ['tensorrt', orDash(d.tensorrt)],
    ['node', d.node ? `${orDash(d.node.version)} (${d.node.path})` : 'none'],
    [
      'python',
      d.pythons.length
        ? d.pythons
            .map(
              (p) =>
                `${p.path} ${orDash(p.version)}${p.torch?.version ? `, torch ${p.torch.version}` : ''}${p.onnxruntime?.version ? `, onnxruntime ${p.onnxruntime.version}` : ''}`,
            )
            .join('; ')
        : 'none',
    ],
    [
      'edgebench cache',
      `${orDash(d.cacheDir)}${d.freeBytes !== null ? ` (${bytes(d.freeBytes)} free)` : ''}`,
    ],
  );
  const engines = table(
    [
      ['engine', 'works there', 'what / why not'],
      ...d.engines.map((e) => [e.id, e.available ? 'yes' : 'no', (e.available ? e.detail : e.reason) ?? '']),
    ],
    { alignLeft: [1, 2] },
  );
  const verdict = d.level
    ? `measures with: ${LEVEL_WORDS[d.level]}`
    : 'nothing can measure on this device yet (see why above)';
  const warnings = d.warnings.map((w) => `warning: ${w}`).join('\n');
  return `${table(rows, { alignLeft: [1] })}\n\n${engines}\n\n${verdict}\n${warnings ? `${warnings}\n` : ''}`;
}
