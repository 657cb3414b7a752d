/**
 * The architecture of src/, in machine-readable form: the layers from the bottom up, and the rule
 * that a module imports only from its own layer's folders or from layers below, never above, with no
 * import cycle anywhere. `npm test` enforces it (test/architecture.test.ts runs dependency-cruiser
 * with this file); docs/design.md draws its picture from LAYERS (`node scripts/design-diagram.mjs`).
 * Type-only imports are not imports here: they vanish when TypeScript compiles.
 *
 * A new folder goes into exactly one layer below; a layer's folders may import one another only in
 * the order they are listed (earlier ones from later ones never).
 */
const LAYERS = [
  {
    name: 'foundation',
    folders: ['errors.ts', 'version.ts', 'util'],
    says: 'errors, abort and child-process helpers, hashing, file limits',
  },
  { name: 'core', folders: ['core'], says: 'the timing loop, stop rules, statistics: no I/O' },
  {
    name: 'facts',
    folders: ['store', 'telemetry', 'host'],
    says: 'the store (SQLite/PostgreSQL), telemetry sources and sampler, the machine (CPU, ISA, GPUs)',
  },
  {
    name: 'models',
    folders: ['onnx', 'zoo', 'inputs'],
    says: 'ONNX code and the tensor vocabulary, the zoo, input sources (synthetic, tensor files)',
  },
  {
    name: 'engines',
    folders: ['engines'],
    says: 'the Engine and Session contract, ort / torch / trtexec / null, the registry',
  },
  { name: 'optimization', folders: ['optimize'], says: 'recipes: fuse, fp16, int8, fidelity' },
  {
    name: 'reach',
    folders: ['env', 'targets'],
    says: 'this machine and its engines (env), other machines reached over SSH (targets)',
  },
  {
    name: 'measurement',
    folders: ['measure'],
    says: 'measure(): one entry point over every engine, the result schema, worker processes, scenarios',
  },
  { name: 'workloads', folders: ['pipelines'], says: 'image and video pipelines end to end, real time' },
  { name: 'studies', folders: ['study'], says: 'specs, plans, interleaved rounds, comparisons' },
  {
    name: 'searches and fleets',
    folders: ['tune', 'fleet'],
    says: 'tune (racing configurations), the fleet (agents, queue, shared store)',
  },
  { name: 'reports', folders: ['report'], says: 'renderers: terminal, Markdown, CSV, JSON, HTML' },
  { name: 'entry points', folders: ['cli', 'index.ts'], says: 'the command line and the library' },
];

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (folder) => `^src/${escapeRegExp(folder)}${folder.endsWith('.ts') ? '$' : '/'}`;
const either = (folders) => `(${folders.map(pathOf).join('|')})`;

/** Every folder in order, bottom first: an import may only go to an earlier one, or within itself. */
const ORDER = LAYERS.flatMap((layer) => layer.folders);

const upwardRules = ORDER.slice(0, -1).map((folder, i) => ({
  name: `no-upward-import-from-${folder.replace('.ts', '')}`,
  comment: `${folder} is below ${ORDER.slice(i + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: pathOf(folder) },
  to: { path: either(ORDER.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    ...upwardRules,
    {
      name: 'no-circular',
      comment: 'an import cycle ties its modules together: neither can be read or changed alone',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

// The layers, for the design page's picture (not a dependency-cruiser option, so not enumerable).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
