/**
 * Operator families that several analyses treat alike: shape inference keeps their shape, the cost
 * model charges them per element, parameter counting sees through their scalar operands. One list
 * each, so that an op added to a family is known to every analysis at once.
 */

/** Broadcasting binary arithmetic. */
export const BINARY_ARITHMETIC_OPS: readonly string[] = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min'];

/** Broadcasting comparisons (boolean output). */
export const COMPARISON_OPS: readonly string[] = [
  'Equal',
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
];

/** Unary activations and math functions: one output element per input element, same shape. */
export const UNARY_ELEMENTWISE_OPS: readonly string[] = [
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Elu',
  'Selu',
  'Celu',
  'Gelu',
  'Mish',
  'Erf',
  'Exp',
  'Log',
  'Sqrt',
  'Reciprocal',
  'Neg',
  'Abs',
  'Ceil',
  'Floor',
  'Round',
  'Sign',
  'Softplus',
  'Softsign',
  'ThresholdedRelu',
  'Clip',
];
