/**
 * The JSON documents edgebench prints and writes (`--json`): each says what it is in `schema`
 * (`edgebench.<kind>`) and which version of that shape it has in `schemaVersion`, so a reader can
 * tell a run result from a study report and refuse a version it does not know. Documents whose
 * producer already stamps a version (a run result, a pipeline result, a study report) keep theirs.
 */

/** Every kind of document, with the version of its shape where the producer does not stamp one. */
const DOCUMENT_VERSIONS = {
  'run-result': undefined,
  'image-pipeline': undefined,
  'video-pipeline': undefined,
  'study-report': undefined,
  environment: 1,
  'model-analysis': 1,
  'zoo-models': 1,
  history: 1,
  'study-diff': 1,
  tune: 1,
  'optimize-report': 1,
  'fidelity-report': 1,
  'fleet-submission': 1,
  'fleet-status': 1,
  targets: 1,
  'device-description': 1,
} as const satisfies Record<string, number | undefined>;

export type DocumentKind = keyof typeof DOCUMENT_VERSIONS;

export interface JsonDocument {
  schema: `edgebench.${DocumentKind}`;
  schemaVersion: number;
  [field: string]: unknown;
}

/** `body` marked as a document of `kind`: `schema` and `schemaVersion` first, every field of it kept. */
export function jsonDocument(kind: DocumentKind, body: object): JsonDocument {
  const own = (body as { schemaVersion?: unknown }).schemaVersion;
  const schemaVersion = typeof own === 'number' ? own : DOCUMENT_VERSIONS[kind];
  if (schemaVersion === undefined) throw new Error(`a ${kind} document must carry its schemaVersion`);
  const schema = `edgebench.${kind}` as const;
  const named = (body as { schema?: unknown }).schema;
  if (named !== undefined && named !== schema)
    throw new Error(`a ${kind} document already names another schema: ${String(named)}`);
  return { schema, schemaVersion, ...body };
}

/** A device description as a document: its own `schema` number is the document's `schemaVersion`. */
export function deviceDocument(device: { schema: number } & object): JsonDocument {
  const { schema, ...rest } = device;
  return jsonDocument('device-description', { ...rest, schemaVersion: schema });
}
