/**
 * Alert episode events on `pdm.alerts.v1`, keyed by machine: one message when an episode starts
 * and one when it ends, never one per window. JSON, version 1 (docs/wire-formats.md):
 *   { "v": 1, "machine": "fan-2", "kind": "iso_zone", "channel": "DE_X", "event": "start",
 *     "ts_ms": 1764000000000, "started_at_ms": 1764000000000, "severity": "warning",
 *     "value": 5.1, "detail": "ISO 20816-3 zone C: velocity 5.10 mm/s RMS", "raised_at_ms": 1764000000400 }
 * `channel` is `*` for episodes of the whole machine. Delivery is at least once: a consumer
 * deduplicates on (machine, kind, channel, started_at_ms, event), the same key as the `alerts`
 * table's DEDUP keys.
 */
import { PdmError } from '../errors.ts';

/** What an episode is about (the Grafana rules and the `alerts.kind` column use these names). */
export const ALERT_KINDS = ['health_state', 'iso_zone', 'remaining_life', 'silence', 'sensor'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
/** `channel` of an episode about the whole machine. */
export const WHOLE_MACHINE = '*';

export interface AlertEventV1 {
  v: 1;
  machine: string;
  kind: AlertKind;
  channel: string;
  event: 'start' | 'end';
  /** When the event happened, in the machine's data time (start: the condition began; end: it cleared). */
  ts_ms: number;
  /** When the episode started (equal to ts_ms on a start). */
  started_at_ms: number;
  /** The worst severity reached so far (on an end: over the whole episode). */
  severity: AlertSeverity;
  /** The measure behind it (velocity mm/s, remaining life s, seconds silent...); absent when none. */
  value?: number;
  /** What an operator reads. */
  detail: string;
  /** Only on an end: how long the episode lasted, seconds. */
  duration_s?: number;
  /** Wall clock of the processor when it raised the event. */
  raised_at_ms: number;
}

export function encodeAlertEvent(e: Omit<AlertEventV1, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...e }));
}

/** Decode and check an alert event (for consumers and tests); a malformed one is an error saying what is wrong. */
export function decodeAlertEvent(bytes: Uint8Array): AlertEventV1 {
  let d: Partial<AlertEventV1> & { v?: unknown };
  try {
    d = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as typeof d;
  } catch (err) {
    throw new PdmError('PDM_ERR_FRAME_DECODE', `alert event: not JSON (${(err as Error).message})`, {}, { cause: err });
  }
  if (d?.v !== 1) throw new PdmError('PDM_ERR_FRAME_VERSION', `alert event: unknown version ${String(d?.v)} (this reader knows 1)`);
  const problems: string[] = [];
  if (typeof d.machine !== 'string' || d.machine === '') problems.push('machine is not an id');
  if (!ALERT_KINDS.includes(d.kind as AlertKind)) problems.push(`kind ${JSON.stringify(d.kind)} is not one of ${ALERT_KINDS.join(', ')}`);
  if (typeof d.channel !== 'string' || d.channel === '') problems.push('channel is not an id or *');
  if (d.event !== 'start' && d.event !== 'end') problems.push(`event ${JSON.stringify(d.event)} is not start or end`);
  for (const f of ['ts_ms', 'started_at_ms', 'raised_at_ms'] as const)
    if (!Number.isFinite(d[f])) problems.push(`${f} is not a time in ms`);
  if (!ALERT_SEVERITIES.includes(d.severity as AlertSeverity))
    problems.push(`severity ${JSON.stringify(d.severity)} is not warning or critical`);
  if (typeof d.detail !== 'string') problems.push('detail is not text');
  if (d.value !== undefined && !Number.isFinite(d.value)) problems.push('value is not a number');
  if (d.event === 'end' && !Number.isFinite(d.duration_s)) problems.push('an end has no duration_s');
  if (problems.length > 0)
    throw new PdmError('PDM_ERR_FRAME_INVALID', `alert event ${String(d.machine)}/${String(d.kind)}: ${problems.join('; ')}`, {
      machine: String(d.machine),
    });
  return d as AlertEventV1;
}
