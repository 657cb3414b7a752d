/**
 * The null engine: a session whose inference does nothing. Measuring it measures the harness itself
 * (the loop, the clock reads, the call), as LoadGen's do-nothing system under test does; the
 * overhead bench and the tests use it. It takes any model argument and has no inputs or outputs.
 */
import { UserError } from '../errors.js';
import type { HostTensor } from '../onnx/tensor.js';
import type { Engine, EngineProbe, InProcessSession } from './engine.js';

const NOTHING: Record<string, unknown> = Object.freeze({});

export class NullEngine implements Engine<Record<string, never>> {
  readonly id = 'null';

  async probe(): Promise<EngineProbe[]> {
    return [
      {
        id: 'null',
        bundled: true,
        available: true,
        detail: "a call that does nothing: the harness's own cost",
      },
    ];
  }

  async open(_model: string, _options?: unknown, variant?: string): Promise<InProcessSession> {
    if (variant !== undefined) throw new UserError(`the null engine has no variants ('null/${variant}')`);
    return {
      kind: 'in-process',
      where: { kind: 'this-process', label: 'this process' },
      settings: {
        engine: 'null',
        engineVersion: 'none (a call that does nothing)',
        executionProvider: 'none',
        intraOpThreads: 0,
        interOpThreads: 0,
        graphOptLevel: 'none',
        executionMode: 'sequential',
        providerOptions: {},
        profile: false,
      },
      inputs: [],
      outputs: [],
      run: async () => NOTHING,
      runBlocking: () => NOTHING,
      prepareFeeds: () => ({}),
      readOutput: (): HostTensor => {
        throw new UserError('the null engine produces no outputs');
      },
      dispose: async () => {},
    };
  }
}
