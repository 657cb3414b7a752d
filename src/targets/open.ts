/** From a target (as the user names it) to the transport that reaches it. */
import { defaultTargetsPath, resolveTarget } from './config.js';
import { formatSshUrl, type TargetSpec } from './spec.js';
import { SshTransport, type SshTransportOptions } from './ssh.js';
import { LocalTransport, type Transport } from './transport.js';

export function transportFor(
  spec: TargetSpec,
  options: Omit<SshTransportOptions, 'address' | 'sshConfig' | 'label'> = {},
): Transport {
  if (spec.kind === 'local') return new LocalTransport();
  return new SshTransport({
    ...options,
    address: spec.address,
    ...(spec.sshConfig ? { sshConfig: spec.sshConfig } : {}),
    label: spec.name ? `target '${spec.name}'` : formatSshUrl(spec.address),
  });
}

/** `local`, `ssh://…` or a saved name → its transport (not connected yet). */
export async function openTarget(
  target: string,
  file = defaultTargetsPath(),
): Promise<{ spec: TargetSpec; transport: Transport }> {
  const spec = await resolveTarget(target, file);
  return { spec, transport: transportFor(spec) };
}
