/**
 * `edgebench target add|list|remove|check|clean`: the devices measurements run on. A target is
 * `local`, `ssh://[user@]host[:port]`, or a name saved with `target add` (in ~/.edgebench/targets.yaml,
 * or $EDGEBENCH_TARGETS). Logging in is the system ssh client's business, with the user's own keys,
 * agent and ~/.ssh/config.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { deviceDocument, jsonDocument } from '../report/documents.js';
import { table } from '../report/format.js';
import { formatAddress, parseSshUrl, targetLabel } from '../targets/spec.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

/** The saved targets' file (YAML, validated): loaded by the actions that read or write it. */
const targetsFile = () => import('../targets/config.js');
/** The connection and what runs over it: loaded by the actions that reach a device. */
const reach = async () => {
  const [{ resolveTarget }, { transportFor }] = await Promise.all([
    targetsFile(),
    import('../targets/open.js'),
  ]);
  return { resolveTarget, transportFor };
};

export function register(command: Command): void {
  const target = command;

  target
    .command('add')
    .description(
      'save a device under a name (the address only: logging in uses your SSH keys and ~/.ssh/config)',
    )
    .argument('<name>', 'a short name: letters, digits, ".", "_", "-"')
    .argument('<url>', 'ssh://[user@]host[:port] (a Host alias from ~/.ssh/config works as the host)')
    .option(
      '--ssh-config <file>',
      'an ssh_config file to use for this target instead of ~/.ssh/config (ssh -F)',
    )
    .option('--replace', 'overwrite a target saved under the same name')
    .action(async (name: string, url: string, flags: { sshConfig?: string; replace?: boolean }) => {
      const { addTarget, defaultTargetsPath } = await targetsFile();
      const entry = await addTarget(name, url, {
        ...(flags.sshConfig ? { sshConfig: flags.sshConfig } : {}),
        ...(flags.replace ? { replace: true } : {}),
      });
      process.stdout.write(
        `saved target '${entry.name}' (${entry.url}) in ${defaultTargetsPath()}; check it with: edgebench target check ${entry.name}\n`,
      );
    });

  jsonOption(target.command('list').description('the saved targets'), 'the targets').action(
    async (flags: { json?: JsonFlag }) => {
      const { loadTargets, defaultTargetsPath } = await targetsFile();
      const entries = await loadTargets();
      await printResult(flags.json, jsonDocument('targets', { targets: entries }), () => {
        if (entries.length === 0)
          return `no saved targets in ${defaultTargetsPath()}; add one with: edgebench target add NAME ssh://[user@]host[:port]\n`;
        const rows = [
          ['name', 'address', 'ssh config'],
          ...entries.map((e) => [e.name, formatAddress(parseSshUrl(e.url)), e.sshConfig ?? '~/.ssh/config']),
        ];
        return `${table(rows, { alignLeft: [1, 2] })}\n`;
      });
    },
  );

  target
    .command('remove')
    .description('forget a saved target (nothing on the device is touched; see target clean)')
    .argument('<name>')
    .action(async (name: string) => {
      const { removeTarget, defaultTargetsPath } = await targetsFile();
      if (!(await removeTarget(name)))
        throw new UserError(`no target named '${name}' in ${defaultTargetsPath()}`);
      process.stdout.write(`removed target '${name}'\n`);
    });

  jsonOption(
    target
      .command('check')
      .description(
        'connect to a target and say what it is and what can measure there, and why not (exit 1 when nothing can)',
      ),
    'the device description',
  )
    .argument('<target>', 'local, ssh://[user@]host[:port], or a saved name')
    .action(async (name: string, flags: { json?: JsonFlag }) => {
      const description = await printTargetDescription(name, flags.json);
      if (description.level === null) process.exitCode = 1;
    });

  target
    .command('clean')
    .description('remove the files edgebench copied to a target (its cache folder on the device)')
    .argument('<target>', 'ssh://[user@]host[:port] or a saved name')
    .action(async (name: string) => {
      const [{ resolveTarget, transportFor }, { DeviceCache }] = await Promise.all([
        reach(),
        import('../targets/cache.js'),
      ]);
      const spec = await resolveTarget(name);
      const transport = transportFor(spec);
      try {
        await transport.connect();
        const result = await new DeviceCache(transport).clean();
        process.stdout.write(
          result.removed
            ? `removed ${result.path} on ${targetLabel(spec)} (${result.kilobytes} kB)\n`
            : `nothing to remove: ${result.path} does not exist on ${targetLabel(spec)}\n`,
        );
      } finally {
        await transport.close();
      }
    });
}

/** Probes a target and prints what it is and what can measure there (`target check`, `env --target`). */
export async function printTargetDescription(name: string, json: JsonFlag | undefined) {
  const [{ describeTarget }, { formatDeviceDescription }] = await Promise.all([
    import('../targets/sessions.js'),
    import('../report/device-table.js'),
  ]);
  const description = await describeTarget(name);
  await printResult(json, deviceDocument(description), () => formatDeviceDescription(description));
  return description;
}
