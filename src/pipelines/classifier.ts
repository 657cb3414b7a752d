/**
 * The classifier head both pipelines share: per-item scores → probabilities → the k best classes,
 * named by the labels, with one warning when the labels and the model disagree on the class count.
 */
import { UserError } from '../errors.js';
import { labelFor, readLabelsFile } from './labels.js';
import { type SoftmaxMode, toProbabilities, topK } from './postprocess.js';

export interface ClassScore {
  index: number;
  label: string;
  score: number;
}

export interface ClassifierOptions {
  /** Class names by index, or a file of them. */
  labels?: string[];
  labelsFile?: string;
  /** Classes reported per item (default 5). */
  topK?: number;
  softmax?: SoftmaxMode;
}

export interface ClassifierHead {
  k: number;
  softmax: SoftmaxMode;
  labels: string[] | undefined;
  /** The probabilities of one item's scores and its k best classes, best first. */
  classify(scores: Float32Array): { probs: Float32Array; top: ClassScore[] };
}

/** Checks the options and reads the labels; warnings go to `warnings`. */
export async function classifierHead(
  options: ClassifierOptions,
  warnings: string[],
): Promise<ClassifierHead> {
  const k = options.topK ?? 5;
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`--top-k must be an integer ≥ 1, got ${k}`);
  const softmax = options.softmax ?? 'auto';
  const labels =
    options.labels ?? (options.labelsFile ? await readLabelsFile(options.labelsFile) : undefined);
  let labelsChecked = false;
  return {
    k,
    softmax,
    labels,
    classify(scores) {
      if (!labelsChecked && labels) {
        labelsChecked = true;
        if (labels.length !== scores.length)
          warnings.push(
            `the labels name ${labels.length} classes but the model outputs ${scores.length} scores per item`,
          );
      }
      const probs = toProbabilities(scores, softmax);
      const top = topK(probs, k).map((c) => ({
        index: c.index,
        label: labelFor(c.index, labels),
        score: c.score,
      }));
      return { probs, top };
    },
  };
}
