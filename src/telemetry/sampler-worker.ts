/** Entry of the sampler's worker thread: runs a SamplingLoop and answers the parent's messages. */
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../errors.js';
import type { ResolvedTelemetryOptions } from './options.js';
import type { SamplerMessage } from './sampler.js';
import { SamplingLoop } from './sampling-loop.js';

const port = parentPort;
if (!port) throw new Error('sampler-worker must run in a worker thread');

const loop = new SamplingLoop(workerData as ResolvedTelemetryOptions);
const post = (message: SamplerMessage): void => port.postMessage(message);

try {
  const detections = await loop.init();
  loop.begin();
  post({ type: 'ready', detections });
} catch (error) {
  post({ type: 'error', message: messageOf(error) });
}

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  loop.stop().then(
    (record) => {
      post({ type: 'record', record });
      port.close();
    },
    (error: unknown) => post({ type: 'error', message: messageOf(error) }),
  );
});
