import { describe, expect, it } from 'vitest';
import {
  cloneModel,
  consumersOf,
  createNamer,
  float32Tensor,
  producersOf,
  removeDeadNodes,
  removeUnusedInitializers,
  topologicalSort,
} from '../../src/onnx/ir.js';
import { model, node } from './helpers.js';

function diamond() {
  return model(
    [
      node('Add', ['b', 'c'], ['d']),
      node('Relu', ['x'], ['a']),
      node('Neg', ['a'], ['b']),
      node('Exp', ['a'], ['c']),
      node('Sqrt', ['a'], ['unused']),
    ],
    [{ name: 'x', dataType: 'float32', shape: [4] }],
    [{ name: 'd', dataType: 'float32', shape: [4] }],
    [float32Tensor('orphan', [2], [1, 2])],
  );
}

describe('graph IR', () => {
  it('maps producers and consumers', () => {
    const m = diamond();
    expect(producersOf(m.graph).get('b')?.opType).toBe('Neg');
    expect(
      consumersOf(m.graph)
        .get('a')
        ?.map((n) => n.opType),
    ).toEqual(['Neg', 'Exp', 'Sqrt']);
  });

  it('sorts topologically, keeping the existing order where valid', () => {
    const m = diamond();
    topologicalSort(m.graph);
    const position = new Map(m.graph.nodes.map((n, i) => [n, i]));
    const producers = producersOf(m.graph);
    for (const n of m.graph.nodes) {
      for (const input of n.inputs) {
        const producer = producers.get(input);
        if (producer) expect(position.get(producer)!).toBeLessThan(position.get(n)!);
      }
    }
    const sorted = m.graph.nodes.map((n) => n.opType);
    topologicalSort(m.graph);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(sorted);
  });

  it('detects cycles', () => {
    const m = model(
      [node('Relu', ['b'], ['a']), node('Neg', ['a'], ['b'])],
      [],
      [{ name: 'a', dataType: 'float32' }],
    );
    expect(() => topologicalSort(m.graph)).toThrow(/cycle/);
  });

  it('removes dead nodes and unused initializers', () => {
    const m = diamond();
    expect(removeDeadNodes(m.graph)).toBe(1);
    expect(m.graph.nodes.some((n) => n.opType === 'Sqrt')).toBe(false);
    expect(removeUnusedInitializers(m.graph)).toBe(1);
    expect(m.graph.initializers.size).toBe(0);
  });

  it('clones structure but shares tensor data', () => {
    const m = diamond();
    const copy = cloneModel(m);
    copy.graph.nodes[0].inputs[0] = 'changed';
    expect(m.graph.nodes[0].inputs[0]).toBe('b');
    expect(copy.graph.initializers.get('orphan')!.data).toBe(m.graph.initializers.get('orphan')!.data);
  });

  it('makes unique names', () => {
    const name = createNamer(diamond().graph);
    expect(name('a')).toBe('a_1');
    expect(name('a')).toBe('a_2');
    expect(name('fresh')).toBe('fresh');
  });
});
