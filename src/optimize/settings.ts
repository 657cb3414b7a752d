/**
 * The optimizer's settings vocabulary, with nothing to load: the command line lists these values
 * before any recipe runs.
 */

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export interface ImagePreprocess {
  /** Per-channel mean and std (RGB) applied after scaling pixels to [0, 1]. */
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * 'fill' resizes to H×W exactly; 'pad' resizes to height H keeping the aspect ratio (at most W
   * wide) and pads the right with zeros after normalization, as PaddleOCR's classifier expects.
   */
  fit: 'fill' | 'pad';
}

export const IMAGENET_PREPROCESS: ImagePreprocess = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  fit: 'fill',
};

/** (x/255 − 0.5)/0.5 with the right-padded resize: PaddleOCR's text-direction classifier. */
export const PADDLE_CLS_PREPROCESS: ImagePreprocess = {
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  fit: 'pad',
};
