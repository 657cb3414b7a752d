/**
 * A four-element Relu model, encoded by hand, used to check whether an execution provider initializes.
 * Hand-encoded on purpose: probing must not depend on the graph builder (or anything that could break it).
 */

function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

function field(fieldNumber: number, payload: number[] | string): number[] {
  const body = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : payload;
  return [...varint((fieldNumber << 3) | 2), ...varint(body.length), ...body];
}

function varintField(fieldNumber: number, value: number): number[] {
  return [...varint(fieldNumber << 3), ...varint(value)];
}

function floatTensorValueInfo(name: string, length: number): number[] {
  const dim = field(1, varintField(1, length));
  const shape = field(2, dim);
  const tensorType = field(1, [...varintField(1, 1), ...shape]);
  return [...field(1, name), ...field(2, tensorType)];
}

export function reluProbeModel(): Uint8Array {
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Relu')];
  const graph = [
    ...field(1, node),
    ...field(2, 'probe'),
    ...field(11, floatTensorValueInfo('x', 4)),
    ...field(12, floatTensorValueInfo('y', 4)),
  ];
  const opset = [...field(1, ''), ...varintField(2, 17)];
  return Uint8Array.from([...varintField(1, 8), ...field(7, graph), ...field(8, opset)]);
}
