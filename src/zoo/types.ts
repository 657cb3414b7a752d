/** What a zoo architecture is: a named generator of an ONNX graph with a task and defaults. */
import type { GraphBuilder } from '../onnx/builder.js';

export type ZooTask = 'classification' | 'video';

/** The options a build receives, already resolved and validated. */
export interface ArchitectureOptions {
  classes: number;
  /** Full input shape, batch first: [N, 3, H, W] or [N, 3, T, H, W]. */
  input: number[];
}

export interface ZooArchitecture {
  name: string;
  task: ZooTask;
  /** One line: what it is and where its definition comes from. */
  description: string;
  /** Default input shape, batch first. */
  defaultInput: number[];
  /**
   * Adds the network to `builder` after its input `x`; returns the logits value ([N, classes]).
   */
  build(builder: GraphBuilder, x: string, options: ArchitectureOptions): string;
}
