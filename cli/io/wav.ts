/**
 * RIFF/WAVE: PCM integer (8, 16, 24, 32 bit) or IEEE float (32, 64 bit), plain or
 * WAVE_FORMAT_EXTENSIBLE; the first channel is returned, integers scaled to [-1, 1) (full scale
 * = 1, i.e. the recorder's full scale is taken as 1 g unless the caller rescales).
 */
import { shown } from '../../common/input/display.ts';
import type { Fail } from './signal-file.ts';

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

export function parseWav(bytes: Uint8Array, fail: Fail): { samples: Float32Array; sampleRateHz: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('is not a WAV file (no RIFF/WAVE header)');
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let data: { at: number; size: number } | undefined;
  let at = 12;
  let dataEnd = -1;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = v.getUint32(at + 4, true);
    const body = at + 8;
    const follow = bytes.length - body;
    if (!/^[\x20-\x7e]{4}$/.test(id)) {
      // Not a chunk header: most often sample data past a data chunk whose size is too small.
      const why =
        dataEnd === at
          ? `; the data chunk declares ${dataEnd - data!.at} bytes but the file goes on for ${bytes.length - at} more (its size field is wrong)`
          : '';
      fail(`has no valid chunk at byte ${at} (id ${shown(id)})${why}`, { byte: at });
    }
    if (size > follow) {
      if (id === 'data') fail(`data chunk declares ${size} bytes but only ${follow} follow (truncated file, or a size never written)`);
      fail(`chunk ${shown(id)} at byte ${at} declares ${size} bytes but only ${follow} follow (a damaged or truncated file)`, { byte: at });
    }
    if (id === 'fmt ') {
      if (size < 16) fail('has a truncated fmt chunk');
      let format = v.getUint16(body, true);
      if (format === EXTENSIBLE && size >= 26) format = v.getUint16(body + 24, true);
      fmt = {
        format,
        channels: v.getUint16(body + 2, true),
        rate: v.getUint32(body + 4, true),
        blockAlign: v.getUint16(body + 12, true),
        bits: v.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (data !== undefined) fail(`has a second data chunk at byte ${at}`, { byte: at });
      data = { at: body, size };
      dataEnd = body + size + (size % 2);
    }
    at = body + size + (size % 2);
  }
  if (fmt === undefined) fail('has no fmt chunk');
  if (data === undefined) fail('has no data chunk');
  // A pad byte may end the file; anything longer is not a chunk.
  if (bytes.length - at > 1) fail(`has ${bytes.length - at} stray bytes at its end (byte ${at}), too few for a chunk`, { byte: at });
  const f = fmt as NonNullable<typeof fmt>;
  const d = data as NonNullable<typeof data>;
  if (f.channels < 1) fail('declares 0 channels');
  if (!(f.rate > 0)) fail('declares a sample rate of 0');
  const bytesPer = f.bits / 8;
  const supported = (f.format === PCM && [8, 16, 24, 32].includes(f.bits)) || (f.format === IEEE_FLOAT && (f.bits === 32 || f.bits === 64));
  if (!supported)
    fail(`uses an unsupported encoding (format ${f.format}, ${f.bits} bit); supported: PCM 8/16/24/32-bit integer, IEEE float 32/64-bit`, {
      format: f.format,
      bits: f.bits,
    });
  const frame = f.blockAlign || f.channels * bytesPer;
  if (frame < f.channels * bytesPer) fail(`block align ${f.blockAlign} is too small for ${f.channels} channels of ${f.bits} bit`);
  if (d.size % frame !== 0) fail(`data size ${d.size} is not a whole number of ${frame}-byte frames (truncated file)`);
  const n = d.size / frame;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = d.at + i * frame;
    let s: number;
    if (f.format === IEEE_FLOAT) s = f.bits === 32 ? v.getFloat32(p, true) : v.getFloat64(p, true);
    else if (f.bits === 8) s = (v.getUint8(p) - 128) / 128;
    else if (f.bits === 16) s = v.getInt16(p, true) / 32768;
    else if (f.bits === 24) s = (((v.getUint8(p + 2) << 24) | (v.getUint8(p + 1) << 16) | (v.getUint8(p) << 8)) >> 8) / 8388608;
    else s = v.getInt32(p, true) / 2147483648;
    out[i] = s;
  }
  return { samples: out, sampleRateHz: f.rate };
}
