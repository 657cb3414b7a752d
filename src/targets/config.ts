/**
 * The targets file: named devices, so `--target nano` means the same board every time. It lives at
 * ~/.edgebench/targets.yaml (or where $EDGEBENCH_TARGETS points) and holds addresses only —
 * `user@host:port` and, optionally, an ssh_config file — never a key or a password: logging in is
 * left to the user's own SSH setup (keys, agent, ~/.ssh/config).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { messageOf, UserError } from '../errors.js';
import {
  checkTargetName,
  formatSshUrl,
  LOCAL_TARGET,
  parseSshUrl,
  printable,
  type TargetSpec,
  targetNameProblem,
} from './spec.js';

export const TARGETS_ENV_VAR = 'EDGEBENCH_TARGETS';

export function defaultTargetsPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[TARGETS_ENV_VAR];
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.edgebench', 'targets.yaml');
}

const entrySchema = z.strictObject({
  url: z.string(),
  sshConfig: z.string().optional(),
});
const fileSchema = z.strictObject({
  targets: z.record(z.string(), entrySchema).default({}),
});

export interface TargetEntry {
  name: string;
  url: string;
  sshConfig?: string;
}

/** Every saved target, in file order; an absent file is an empty list. */
export async function loadTargets(file = defaultTargetsPath()): Promise<TargetEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UserError(`cannot read the targets file ${file}: ${messageOf(error)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new UserError(
      `the targets file ${file} is not valid YAML (${messageOf(error).split('\n')[0]}); fix or remove it`,
    );
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `the targets file ${file} is malformed at ${issue?.path.join('.') || 'the top'}: ${issue?.message ?? 'unexpected content'} (expected targets: {NAME: {url: ssh://…}})`,
    );
  }
  return Object.entries(parsed.data.targets).map(([name, entry]) => {
    const problem = targetNameProblem(name);
    if (problem) throw new UserError(`the targets file ${file} holds a bad name: ${problem}`);
    try {
      parseSshUrl(entry.url);
    } catch (error) {
      throw new UserError(`the targets file ${file}: target '${name}': ${messageOf(error)}`);
    }
    return { name, url: entry.url, ...(entry.sshConfig ? { sshConfig: entry.sshConfig } : {}) };
  });
}

async function saveTargets(entries: readonly TargetEntry[], file: string): Promise<void> {
  const targets: Record<string, { url: string; sshConfig?: string }> = {};
  for (const entry of entries)
    targets[entry.name] = { url: entry.url, ...(entry.sshConfig ? { sshConfig: entry.sshConfig } : {}) };
  const text = `# edgebench targets (edgebench target add NAME URL); addresses only, never keys or passwords\n${stringifyYaml({ targets })}`;
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Saves a target under a name; refuses to overwrite one unless `replace`. Returns the entry saved. */
export async function addTarget(
  name: string,
  url: string,
  options: { sshConfig?: string; replace?: boolean; file?: string } = {},
): Promise<TargetEntry> {
  const file = options.file ?? defaultTargetsPath();
  checkTargetName(name);
  const address = parseSshUrl(url);
  const entries = await loadTargets(file);
  const existing = entries.findIndex((entry) => entry.name === name);
  if (existing >= 0 && !options.replace)
    throw new UserError(
      `a target named '${name}' exists already (${entries[existing].url}); remove it first or add with --replace`,
    );
  const entry: TargetEntry = {
    name,
    url: formatSshUrl(address),
    ...(options.sshConfig ? { sshConfig: path.resolve(options.sshConfig) } : {}),
  };
  if (existing >= 0) entries[existing] = entry;
  else entries.push(entry);
  await saveTargets(entries, file);
  return entry;
}

/** Removes a saved target; false when there was none by that name. */
export async function removeTarget(name: string, file = defaultTargetsPath()): Promise<boolean> {
  const entries = await loadTargets(file);
  const kept = entries.filter((entry) => entry.name !== name);
  if (kept.length === entries.length) return false;
  await saveTargets(kept, file);
  return true;
}

/** `local`, an `ssh://` address, or a saved name, as a TargetSpec; a UserError says what is wrong. */
export async function resolveTarget(target: string, file = defaultTargetsPath()): Promise<TargetSpec> {
  if (target === LOCAL_TARGET) return { kind: 'local', name: LOCAL_TARGET };
  if (target.startsWith('ssh://')) return { kind: 'ssh', address: parseSshUrl(target) };
  const problem = targetNameProblem(target);
  if (problem)
    throw new UserError(`bad target: ${problem}; give local, ssh://[user@]host[:port] or a saved name`);
  const entries = await loadTargets(file);
  const entry = entries.find((candidate) => candidate.name === target);
  if (!entry) {
    const known = entries.map((candidate) => candidate.name);
    throw new UserError(
      `no target named '${printable(target)}' in ${file}${known.length > 0 ? ` (saved: ${known.join(', ')})` : ''}; save one with 'edgebench target add ${target} ssh://[user@]host[:port]'`,
    );
  }
  return {
    kind: 'ssh',
    name: entry.name,
    address: parseSshUrl(entry.url),
    ...(entry.sshConfig ? { sshConfig: entry.sshConfig } : {}),
  };
}
