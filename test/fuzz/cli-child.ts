/**
 * A process that runs edgebench command lines in process, one after another, as the CLI would
 * (`runCli` over a fresh program each time): receives `{ id, argv }` over IPC, writes a begin and an
 * end marker around everything the command prints (stdout and stderr are pipes, written
 * synchronously on Linux, so onnxruntime's native writes to fd 2 land between the markers too), and
 * answers with the exit code. See harness.ts.
 */
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../../src/cli/run-cli.js';
import { beginMarker, type ChildReply, type ChildRequest, endMarker } from './protocol.js';

async function runOne(request: ChildRequest): Promise<void> {
  process.stdout.write(beginMarker(request.id));
  process.stderr.write(beginMarker(request.id));
  process.exitCode = undefined;
  let threw: string | undefined;
  try {
    await runCli(await buildProgram(request.argv), ['node', 'edgebench', ...request.argv]);
  } catch (error) {
    threw = String(error);
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  process.stdout.write(endMarker(request.id));
  process.stderr.write(endMarker(request.id));
  const reply: ChildReply = { id: request.id, code, ...(threw ? { threw } : {}) };
  process.send?.(reply);
}

if (process.send) {
  let queue = Promise.resolve();
  process.on('message', (request: ChildRequest) => {
    queue = queue.then(() => runOne(request));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
