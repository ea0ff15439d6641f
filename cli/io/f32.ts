/** Raw little-endian float32, one channel, no header (the format of the shared recordings). */
import type { Fail } from './signal-file.ts';

export function parseF32(bytes: Uint8Array, fail: Fail): Float32Array {
  if (bytes.length % 4 !== 0)
    fail(`length ${bytes.length} bytes is not a multiple of 4, so it is not raw float32 (truncated, or another format?)`, {
      bytes: bytes.length,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}
