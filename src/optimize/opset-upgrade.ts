/**
 * Opset 13 for quantization: the first opset with per-channel QuantizeLinear/DequantizeLinear
 * (onnxruntime's quantizer upgrades old models the same way). The step-wise upgrader itself lives
 * in src/onnx/opset-upgrade.
 */
import type { Model } from '../onnx/ir.js';
import { type UpgradeResult, upgradeOpset as upgradeTo } from '../onnx/opset-upgrade/index.js';

export const QUANTIZATION_OPSET = 13;

export type { UpgradeResult };

/** Upgrades the model in place when every node can be upgraded exactly; otherwise leaves it untouched. */
export function upgradeOpset(model: Model, target = QUANTIZATION_OPSET): UpgradeResult {
  return upgradeTo(model, target);
}
