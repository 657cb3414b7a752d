/** The recipe registry: names, what each does, and parsing `--recipe a,b,c`. */
import { UserError } from '../errors.js';

export const RECIPE_NAMES = [
  'ort-basic',
  'ort-extended',
  'ort-all',
  'fuse',
  'fp16',
  'int8-dynamic',
  'int8-static',
] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

export interface RecipeInfo {
  name: RecipeName;
  description: string;
  /** True when the result uses only standard ONNX ops (runs on any ONNX runtime). */
  portable: boolean;
  /** True when the recipe calibrates on sample inputs. */
  calibrates: boolean;
}

export const RECIPES: readonly RecipeInfo[] = [
  {
    name: 'ort-basic',
    description: "onnxruntime's basic graph optimizations (constant folding, redundant nodes), saved",
    portable: true,
    calibrates: false,
  },
  {
    name: 'ort-extended',
    description:
      "onnxruntime's extended optimizations (Conv+activation, GELU, attention fusions), saved; needs onnxruntime",
    portable: false,
    calibrates: false,
  },
  {
    name: 'ort-all',
    description:
      'extended optimizations saved; the layout optimizations of level all are hardware-specific and run when the model loads',
    portable: false,
    calibrates: false,
  },
  {
    name: 'fuse',
    description:
      'BatchNorm folded into Conv/Gemm, constants folded, Identity and dead nodes removed (standard ONNX)',
    portable: true,
    calibrates: false,
  },
  {
    name: 'fp16',
    description: 'float16 weights and compute, float32 inputs/outputs, range-sensitive ops kept float32',
    portable: true,
    calibrates: false,
  },
  {
    name: 'int8-dynamic',
    description:
      'int8 weights, activations quantized at run time: MatMul/Gemm (Conv via ConvInteger on request)',
    portable: true,
    calibrates: false,
  },
  {
    name: 'int8-static',
    description:
      'QDQ int8: per-channel int8 weights, calibrated uint8/int8 activations, int32 bias (fuse runs first)',
    portable: true,
    calibrates: true,
  },
];

export function isRecipeName(value: string): value is RecipeName {
  return (RECIPE_NAMES as readonly string[]).includes(value);
}

/** Parses 'fuse,int8-static' (or a list); unknown names are a UserError naming the allowed ones. */
export function parseRecipes(spec: string | readonly string[]): RecipeName[] {
  const names = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0)
    throw new UserError(`no recipe given: use --recipe NAME[,NAME…] with ${RECIPE_NAMES.join(', ')}`);
  for (const name of names) {
    if (!isRecipeName(name))
      throw new UserError(
        `unknown recipe '${name}': choose from ${RECIPE_NAMES.join(', ')} (comma-separated to compose)`,
      );
  }
  return names as RecipeName[];
}
