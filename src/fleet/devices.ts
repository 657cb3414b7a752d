/**
 * Device classes and the queues that route jobs to them.
 *
 * A device class is a set of tags (`jetson-nano+cuda`; `any` is the empty set): the devices of one
 * class are interchangeable, and a fleet study measures every variant once per class. An agent
 * announces its own tags; it belongs to every class whose tags it all has.
 *
 * Routing is by queue, never by a look inside the job: each job goes to the queue of its requirements,
 * `edgebench.<ep>.<class>` (the execution provider it needs and the class it measures for), and an
 * agent consumes only the queues whose requirements it meets. A job therefore never reaches an agent
 * that cannot run it, and a job nobody can run waits, visibly, in its queue (`fleet status`).
 */

import { ORT_EXECUTION_PROVIDERS, type OrtExecutionProvider } from '../engines/ort-options.js';
import { UserError } from '../errors.js';

/** Lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 32 characters. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** The class of the empty tag set: any agent. */
export const ANY_DEVICE = 'any';
export const QUEUE_PREFIX = 'edgebench';

function checkTag(tag: string, what: string): string {
  if (!TAG_PATTERN.test(tag) || tag === ANY_DEVICE)
    throw new UserError(
      `${what}: '${tag}' is not a tag (lower-case letters, digits, . _ -, starting with a letter or digit, at most 32; not 'any')`,
    );
  return tag;
}

/** `--tags jetson-nano,cuda` → sorted, unique tags. */
export function parseTags(text: string | readonly string[] | undefined, what = '--tags'): string[] {
  const items = (typeof text === 'string' ? text.split(',') : (text ?? []))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return [...new Set(items.map((t) => checkTag(t, what)))].sort();
}

/** An agent's id (it names the agent in heartbeats, logs and the store): letters, digits, `.`, `_`, `-`. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Refuses an agent id that is not AGENT_ID_PATTERN; none given is fine (the agent makes one up). */
export function checkAgentId(id: string | undefined, what = '--id'): void {
  if (id !== undefined && !AGENT_ID_PATTERN.test(id))
    throw new UserError(`${what} must be letters, digits, . _ - (at most 64), got '${id}'`);
}

/** `jetson-nano+cuda` → ['cuda', 'jetson-nano']; `any` → []. */
export function parseDeviceClass(text: string, what = '--devices'): string[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === ANY_DEVICE || trimmed === '') return [];
  return [...new Set(trimmed.split('+').map((t) => checkTag(t.trim(), what)))].sort();
}

/** `--devices nano,orin+cuda` → one tag set per class (default: one class, any device). */
export function parseDeviceClasses(text: string | undefined): string[][] {
  const items = (text ?? '').split(',').filter((t) => t.trim() !== '');
  if (items.length === 0) return [[]];
  const classes = items.map((item) => parseDeviceClass(item));
  const names = classes.map(deviceClassName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new UserError(`--devices names the class '${duplicate}' twice`);
  return classes;
}

/** The class's name: its sorted tags joined by `+`, or `any`. */
export function deviceClassName(tags: readonly string[]): string {
  return tags.length === 0 ? ANY_DEVICE : [...tags].sort().join('+');
}

export interface QueueRequirements {
  ep: OrtExecutionProvider;
  /** The device class's tags. */
  tags: string[];
}

/** `edgebench.<ep>.<class>`: BullMQ queue names may not hold `:`; these hold only [a-z0-9._+-]. */
export function queueNameFor(requirements: QueueRequirements): string {
  return `${QUEUE_PREFIX}.${requirements.ep}.${deviceClassName(requirements.tags)}`;
}

/** The requirements a queue name stands for (null for a name that is not one of ours). */
export function parseQueueName(name: string): QueueRequirements | null {
  const match = /^edgebench\.([a-z0-9]+)\.([a-z0-9._+-]+)$/.exec(name);
  if (!match) return null;
  const ep = match[1];
  if (!(ORT_EXECUTION_PROVIDERS as readonly string[]).includes(ep)) return null;
  try {
    return { ep: ep as OrtExecutionProvider, tags: parseDeviceClass(match[2]) };
  } catch {
    return null;
  }
}

/** Whether an agent with `agentTags` and working `agentEps` may take the jobs of a queue; why not otherwise. */
export function meetsRequirements(
  requirements: QueueRequirements,
  agent: { tags: readonly string[]; eps: readonly string[] },
): { ok: true } | { ok: false; reason: string } {
  if (!agent.eps.includes(requirements.ep))
    return { ok: false, reason: `execution provider ${requirements.ep} does not work on this agent` };
  const missing = requirements.tags.filter((t) => !agent.tags.includes(t));
  if (missing.length > 0) return { ok: false, reason: `the agent lacks the tag(s) ${missing.join(', ')}` };
  return { ok: true };
}
