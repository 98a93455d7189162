import { StoreError } from '../errors.js';

/** A vector as pgvector's binary form (`vector_send`): int16 dimension, int16 unused, float4 each, big-endian. */
export function vectorFromSend(bytes: Uint8Array, dimension: number, into: Float32Array, at: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = bytes.byteLength >= 4 ? view.getInt16(0) : -1;
  if (stored !== dimension || bytes.byteLength !== 4 + 4 * dimension)
    throw new StoreError(`a stored vector has dimension ${stored}, not the library's ${dimension}`);
  for (let i = 0; i < dimension; i++) into[at + i] = view.getFloat32(4 + 4 * i);
}

/** A query vector as pgvector's text input. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}
