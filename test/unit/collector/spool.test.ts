import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { SequenceLedger } from '../../../ingest/collector/sequence-ledger.ts';
import { type DroppedRange, groupDropped, Spool, type SpoolOptions, spoolDiskBytes } from '../../../ingest/collector/spool.ts';
import type { SpoolMessage } from '../../../ingest/collector/spool-record.ts';

const open: Spool[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pdm-spool-'));
}

function openSpool(dir: string, over: Partial<SpoolOptions> = {}, hooks: Parameters<typeof Spool.open>[1] = {}): Spool {
  const s = Spool.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 16 * 1024, fsync: 'never', fsyncIntervalMs: 1000, ...over }, hooks);
  open.push(s);
  return s;
}

function closeSpool(s: Spool): void {
  s.close();
  open.splice(open.indexOf(s), 1);
}

/** A block message whose value encodes its seq, so order and identity can be checked after reading back. */
function block(seq: number, machine = 'm1', channel = 'c1', size = 1000): SpoolMessage {
  const value = new Uint8Array(size);
  new DataView(value.buffer).setFloat64(0, seq, true);
  return { topic: 'pdm.vibration.v1', key: machine, value, machine, channel, seq, endTimeMs: (seq + 1) * 100 };
}

function seqOf(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(0, true);
}

/** Peek and ack everything, returning (machine, seq) in the order read. */
function drain(s: Spool, batch = 7): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (;;) {
    const recs = s.peek(batch, 1 << 30);
    if (recs.length === 0) return out;
    for (const r of recs) {
      expect(seqOf(r.value)).toBe(r.seq);
      out.push([r.machine, r.seq]);
    }
    s.ack();
  }
}

function segmentName(firstId: number): string {
  return `seg-${String(firstId).padStart(16, '0')}.spool`;
}

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.spool'))
    .sort();
}

describe('spool', () => {
  it('gives records back oldest first across many segments, and deletes acknowledged segments', () => {
    const dir = tmp();
    const s = openSpool(dir);
    for (let i = 0; i < 100; i++) s.append(block(i, i % 2 ? 'm2' : 'm1'));
    expect(segments(dir).length).toBeGreaterThan(5); // 16 KiB segments of ~1 KiB records
    expect(s.records).toBe(100);
    expect(drain(s).map(([, seq]) => seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(s.records).toBe(0);
    s.checkpoint();
    expect(segments(dir)).toEqual([]);
    expect(s.bytesOnDisk).toBe(0);
  });

  it('a released batch is the next batch again', () => {
    const s = openSpool(tmp());
    for (let i = 0; i < 10; i++) s.append(block(i));
    expect(s.peek(4, 1 << 30).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    s.release();
    expect(s.peek(4, 1 << 30).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    s.ack();
    expect(s.peek(100, 1 << 30).map((r) => r.seq)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('limits a batch by bytes but always returns at least one record', () => {
    const s = openSpool(tmp(), { segmentBytes: 1 << 20, maxBytes: 8 << 20 });
    for (let i = 0; i < 5; i++) s.append(block(i, 'm1', 'c1', 5000));
    expect(s.peek(100, 100).map((r) => r.seq)).toEqual([0]);
    s.ack();
    // A record here is 5071 bytes with its framing and names.
    expect(s.peek(100, 2 * 5071 - 1).map((r) => r.seq)).toEqual([1]);
    s.ack();
    expect(s.peek(100, 2 * 5071).map((r) => r.seq)).toEqual([2, 3]);
  });

  it('survives close and reopen: unacknowledged records come back in order, acknowledged ones do not', () => {
    const dir = tmp();
    let s = openSpool(dir);
    for (let i = 0; i < 50; i++) s.append(block(i));
    s.peek(20, 1 << 30);
    s.ack();
    closeSpool(s);
    s = openSpool(dir);
    expect(s.recovery.records).toBe(30);
    expect(s.recovery.lastSeq.get('m1/c1')).toBe(49);
    s.append(block(50));
    expect(drain(s).map(([, seq]) => seq)).toEqual(Array.from({ length: 31 }, (_, i) => 20 + i));
  });

  it('survives SIGKILL: every appended record is there, acknowledged ones are not re-sent', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'spool-writer.ts'), dir, '300', '120'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const s = openSpool(dir);
    expect(s.recovery).toMatchObject({ records: 180, truncatedBytes: 0, corrupt: [] });
    expect(drain(s).map(([, seq]) => seq)).toEqual(Array.from({ length: 180 }, (_, i) => 121 + i));
  });

  it('cuts off a record torn at the tail by a crash and keeps everything before it', () => {
    const dir = tmp();
    let s = openSpool(dir);
    for (let i = 0; i < 40; i++) s.append(block(i));
    closeSpool(s);
    const last = join(dir, segments(dir).at(-1)!);
    const size = statSync(last).size;
    truncateSync(last, size - 300); // the last record lost its end
    appendFileSync(last, Buffer.alloc(0));
    s = openSpool(dir);
    expect(s.recovery.records).toBe(39);
    expect(s.recovery.truncatedBytes).toBe(1000 + 8 + 32 + 1 + 16 + 2 + 2 + 1 + 2 + 1 + 2 + 4 - 300);
    expect(statSync(last).size).toBe(size - (1000 + 8 + 32 + 1 + 16 + 2 + 2 + 1 + 2 + 1 + 2 + 4));
    // Appending after recovery goes on cleanly, and a second reopen finds no damage.
    s.append(block(39));
    closeSpool(s);
    s = openSpool(dir);
    expect(s.recovery).toMatchObject({ records: 40, truncatedBytes: 0, corrupt: [] });
    expect(drain(s).map(([, seq]) => seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('treats garbage after the last record as a torn tail', () => {
    const dir = tmp();
    let s = openSpool(dir);
    for (let i = 0; i < 3; i++) s.append(block(i));
    closeSpool(s);
    appendFileSync(join(dir, segments(dir).at(-1)!), Buffer.from([0xff, 0xff, 0, 0, 1, 2, 3]));
    s = openSpool(dir);
    expect(s.recovery).toMatchObject({ records: 3, truncatedBytes: 7 });
  });

  it('reports damage inside an older segment and keeps the records before it and in later segments', () => {
    const dir = tmp();
    let s = openSpool(dir);
    for (let i = 0; i < 60; i++) s.append(block(i));
    closeSpool(s);
    const first = join(dir, segments(dir)[0]);
    const bytes = readFileSync(first);
    const recordSize = 1071; // 8 + 32 + 1 + 16 + 2 + 2 + 1 + 2 + 1 + 2 + 4 + 1000
    expect(bytes.length % recordSize).toBe(0);
    const perSegment = bytes.length / recordSize;
    bytes[recordSize * 5 + 500] ^= 0xff; // inside the 6th record's value
    writeFileSync(first, bytes);
    s = openSpool(dir);
    expect(s.recovery.corrupt).toEqual([{ segment: segments(dir)[0], lostBytes: bytes.length - recordSize * 5, reason: 'CRC mismatch' }]);
    const seqs = drain(s).map(([, seq]) => seq);
    expect(seqs).toEqual([...[0, 1, 2, 3, 4], ...Array.from({ length: 60 - perSegment }, (_, i) => perSegment + i)]);
  });

  it('when full, drops the oldest records a segment at a time, counts and reports every one', () => {
    const dir = tmp();
    const drops: DroppedRange[] = [];
    const s = openSpool(dir, { maxBytes: 64 * 1024, segmentBytes: 8 * 1024 }, { onDrop: (r) => drops.push(...r) });
    const total = 400;
    // Two machines interleaved, each with consecutive sequence numbers 0..199.
    for (let i = 0; i < total; i++) {
      s.append(block(i >> 1, `m${i % 2}`, 'c1'));
      expect(s.bytesOnDisk).toBeLessThanOrEqual(64 * 1024);
    }
    expect(spoolDiskBytes(dir)).toBe(s.bytesOnDisk);
    const kept = drain(s, 50);
    // Every record is either kept or reported dropped, nothing twice.
    expect(kept.length + s.droppedRecords).toBe(total);
    expect(drops.reduce((n, d) => n + d.records, 0)).toBe(s.droppedRecords);
    for (const m of ['m0', 'm1']) {
      const keptSeqs = kept.filter(([mm]) => mm === m).map(([, seq]) => seq);
      // The kept ones are the newest, still in order...
      expect(keptSeqs).toEqual(Array.from({ length: keptSeqs.length }, (_, i) => total / 2 - keptSeqs.length + i));
      // ...and the dropped ones are reported as one range from the oldest: 0 .. first kept - 1.
      const ranges = drops.filter((d) => d.machine === m);
      const merged = ranges.reduce((acc, d) => (acc && d.fromSeq === acc.toSeq + 1 ? { fromSeq: acc.fromSeq, toSeq: d.toSeq } : acc), {
        fromSeq: 0,
        toSeq: -1,
      } as { fromSeq: number; toSeq: number } | null);
      expect(merged).toEqual({ fromSeq: 0, toSeq: keptSeqs[0] - 1 });
      expect(ranges.at(-1)!.lastEndTimeMs).toBe(keptSeqs[0] * 100); // end of the last dropped block = start of the first kept
    }
    expect(drops[0]).toMatchObject({ topic: 'pdm.vibration.v1', machine: 'm0', channel: 'c1', fromSeq: 0 });
  });

  it('reports dropped blocks as runs of consecutive sequence numbers', () => {
    const mk = (seq: number) => ({ topic: 't', machine: 'm', channel: 'c', seq, endTimeMs: seq + 1, size: 10 });
    expect(
      groupDropped([mk(1), mk(2), mk(5), mk(6), { ...mk(-1), channel: '' }, mk(7)]).map((g) => [g.channel, g.fromSeq, g.toSeq, g.records]),
    ).toEqual([
      ['c', 1, 2, 2],
      ['c', 5, 7, 3],
      ['', -1, -1, 1],
    ]);
  });

  it('moves records it must keep (gap events) to the tail instead of dropping them', () => {
    const s = openSpool(tmp(), { maxBytes: 32 * 1024, segmentBytes: 8 * 1024, keep: (r) => r.topic === 'gaps' }, {});
    const gap = (n: number): SpoolMessage => ({
      topic: 'gaps',
      key: 'm1',
      value: new TextEncoder().encode(`gap ${n}`),
      machine: 'm1',
      channel: '',
      seq: -1,
      endTimeMs: 0,
    });
    for (let i = 0; i < 200; i++) {
      s.append(block(i));
      if (i % 20 === 0) s.append(gap(i));
    }
    expect(s.droppedRecords).toBeGreaterThan(100);
    const out: string[] = [];
    for (let recs = s.peek(50, 1 << 30); recs.length > 0; recs = s.peek(50, 1 << 30)) {
      for (const r of recs) if (r.topic === 'gaps') out.push(new TextDecoder().decode(r.value));
      s.ack();
    }
    expect(out.sort()).toEqual(Array.from({ length: 10 }, (_, k) => `gap ${k * 20}`).sort());
  });

  // Issue 15: a gap event dropped from a full spool is a lost report of missing blocks. Gap events
  // beyond the quarter of the spool that may hold them are handed back, while blocks go.
  it('spool-loss: never drops a record to keep while it drops blocks: beyond its share it is handed back', () => {
    const handedBack: SpoolMessage[] = [];
    const s = openSpool(
      tmp(),
      { maxBytes: 32 * 1024, segmentBytes: 8 * 1024, keep: (r) => r.topic === 'gaps' },
      { onKeepRefused: (r) => handedBack.push(...r) },
    );
    const gap = (n: number): SpoolMessage => ({ ...block(n, 'm1', '', 600), topic: 'gaps', seq: -1, endTimeMs: 0 });
    for (let i = 0; i < 200; i++) {
      s.append(block(i));
      s.append(gap(i)); // gap events far beyond a quarter of the spool
    }
    expect(handedBack.length).toBeGreaterThan(0);
    const inSpool: number[] = [];
    for (let recs = s.peek(50, 1 << 30); recs.length > 0; recs = s.peek(50, 1 << 30)) {
      for (const r of recs) if (r.topic === 'gaps') inSpool.push(seqOf(r.value));
      s.ack();
    }
    expect([...inSpool, ...handedBack.map((r) => seqOf(r.value))].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('never drops the batch in flight: it is delivered when acknowledged', () => {
    const s = openSpool(tmp(), { maxBytes: 32 * 1024, segmentBytes: 8 * 1024 });
    for (let i = 0; i < 5; i++) s.append(block(i));
    const inFlight = s.peek(3, 1 << 30).map((r) => r.seq);
    for (let i = 5; i < 200; i++) s.append(block(i));
    s.ack();
    const rest = drain(s).map(([, seq]) => seq);
    expect(inFlight).toEqual([0, 1, 2]);
    expect(s.droppedRecords).toBe(200 - 3 - rest.length);
    expect(rest).toEqual(Array.from({ length: rest.length }, (_, i) => 200 - rest.length + i));
  });

  it('ackThrough acknowledges records delivered by another path', () => {
    const s = openSpool(tmp());
    for (let i = 0; i < 10; i++) s.append(block(i));
    s.ackThrough(4); // ids start at 1: seqs 0..3
    expect(drain(s).map(([, seq]) => seq)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('refuses a spool that another live process or this process holds; takes over a dead one', async () => {
    const dir = tmp();
    const s = openSpool(dir);
    expect(() => Spool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsync: 'never', fsyncIntervalMs: 1000 })).toThrow(
      /already open in this process/,
    );
    closeSpool(s);
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    try {
      Spool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsync: 'never', fsyncIntervalMs: 1000 });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_SPOOL')).toBe(true);
      expect((err as Error).message).toContain(`in use by process ${process.ppid}`);
    }
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(dir, 'lock'), `${dead.pid}\n`);
    const again = openSpool(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(again.records).toBe(0);
  });

  it('persists appended records with fsync=always and with the interval policy', () => {
    for (const fsync of ['always', 'interval'] as const) {
      const dir = tmp();
      let s = openSpool(dir, { fsync, fsyncIntervalMs: 10 });
      for (let i = 0; i < 5; i++) s.append(block(i));
      s.sync();
      closeSpool(s);
      s = openSpool(dir);
      expect(s.recovery.records).toBe(5);
    }
  });
});

describe('a full disk (found by the fault suite)', () => {
  // Real ENOSPC from the kernel: the spool's next segment files are links to /dev/full, which
  // refuses every write. Before the fix a short or failed write left a torn record (read back:
  // "CRC mismatch") and the collector stalled in spooling for good.
  it.runIf(existsSync('/dev/full'))(
    'drops the oldest records (counted and reported) instead of stalling, and what stays reads back',
    () => {
      const dir = tmp();
      const drops: DroppedRange[] = [];
      const s = openSpool(dir, { segmentBytes: 8 * 1024 }, { onDrop: (r) => drops.push(...r) });
      let seq = 0;
      while (segments(dir).length < 3) s.append(block(seq++));
      // Every segment from here on is the full disk.
      for (let id = 0; id < 1000; id++) {
        const name = join(dir, `seg-${String(id).padStart(16, '0')}.spool`);
        if (!existsSync(name)) symlinkSync('/dev/full', name);
      }
      while (drops.length === 0) expect(() => s.append(block(seq++))).not.toThrow();
      const lastAppended = seq - 1;
      expect(s.diskFullEvents).toBe(1);
      // The oldest segment went to make room (as when spool.maxBytes is reached), then the record
      // that met the full disk, with nothing more to drop, was dropped itself.
      const droppedSeqs = drops.flatMap((d) => Array.from({ length: d.toSeq - d.fromSeq + 1 }, (_, i) => d.fromSeq + i));
      expect(droppedSeqs[0]).toBe(0);
      expect(droppedSeqs).toContain(lastAppended);
      expect(s.droppedRecords).toBe(droppedSeqs.length);
      // No torn record: everything kept reads back, in order, and is the rest of what was appended.
      const kept = drain(s).map(([, q]) => q);
      expect([...droppedSeqs, ...kept].sort((a, b) => a - b)).toEqual(Array.from({ length: lastAppended + 1 }, (_, i) => i));
    },
  );

  // Issue 15 (the fault suite's 196 unaccounted blocks, every run, at spool-disk-full): the disk
  // filled, the spool dropped its oldest segment for room, and the owner's beforeDelete (the
  // sequence ledger's persist) failed with ENOSPC on the same full disk. The segment's records
  // were already out of the spool: never sent, never reported. Here the ledger's file is a link
  // to /dev/full, as the collector's was on the full tmpfs.
  it.runIf(existsSync('/dev/full'))(
    'spool-loss: a state write failing on the full disk while the spool makes room loses no record unreported',
    () => {
      const dir = tmp();
      const ledgerDir = tmp();
      const ledger = new SequenceLedger(join(ledgerDir, 'sequences.json'));
      const drops: DroppedRange[] = [];
      const s = openSpool(dir, { segmentBytes: 8 * 1024 }, { onDrop: (r) => drops.push(...r), beforeDelete: () => ledger.persist() });
      let seq = 0;
      const append = () => {
        const m = block(seq++);
        s.append(m);
        ledger.durable(m.machine, m.channel, m.seq, m.endTimeMs);
      };
      while (segments(dir).length < 2) append();
      // From here on the disk is full: for the next segments, and for the ledger's file.
      for (let id = 0; id < 1000; id++) {
        const name = join(dir, segmentName(id));
        if (!existsSync(name)) symlinkSync('/dev/full', name);
      }
      symlinkSync('/dev/full', join(ledgerDir, 'sequences.json.tmp'));
      expect(() => ledger.persist(true)).toThrow(/ENOSPC/);
      for (let i = 0; i < 40; i++) expect(() => append()).not.toThrow();
      expect(s.diskFullEvents).toBeGreaterThan(0);
      const droppedSeqs = drops.flatMap((d) => Array.from({ length: d.toSeq - d.fromSeq + 1 }, (_, i) => d.fromSeq + i));
      // The oldest segment went for room, reported, although the ledger could not be written.
      expect(droppedSeqs[0]).toBe(0);
      expect(s.droppedRecords).toBe(droppedSeqs.length);
      // Every block appended is in the spool (reads back, in order) or was reported dropped.
      const kept = drain(s).map(([, q]) => q);
      expect([...droppedSeqs, ...kept].sort((a, b) => a - b)).toEqual(Array.from({ length: seq }, (_, i) => i));
      // The dropped segment's file is gone (the disk is not kept full by records nobody will send).
      expect(existsSync(join(dir, segmentName(1)))).toBe(false);
    },
  );

  it.runIf(existsSync('/dev/full'))(
    'records to keep (gap events) are never lost unheard: kept in the spool, or handed back when the full disk refuses to move them',
    () => {
      const dir = tmp();
      const handedBack: SpoolMessage[] = [];
      const s = openSpool(
        dir,
        { segmentBytes: 8 * 1024, keep: (r) => r.topic === 'pdm.gaps.v1' },
        { onKeepRefused: (r) => handedBack.push(...r) },
      );
      const gap = (n: number): SpoolMessage => ({ ...block(n, 'm1', '', 100), topic: 'pdm.gaps.v1', seq: -1, endTimeMs: 0 });
      let seq = 0;
      const gaps: number[] = [];
      // Gap events among the blocks of the first segments (the ones a full disk makes room from).
      while (segments(dir).length < 3) {
        s.append(block(seq++));
        if (seq % 5 === 0) {
          gaps.push(seq);
          s.append(gap(seq));
        }
      }
      for (let id = 0; id < 2000; id++) {
        const name = join(dir, `seg-${String(id).padStart(16, '0')}.spool`);
        if (!existsSync(name)) symlinkSync('/dev/full', name);
      }
      for (let i = 0; i < 50; i++) expect(() => s.append(block(seq++))).not.toThrow();
      expect(s.diskFullEvents).toBeGreaterThan(0);
      const inSpool: number[] = [];
      const ids: number[] = [];
      for (;;) {
        const recs = s.peek(100, 1 << 30);
        if (recs.length === 0) break;
        for (const r of recs) {
          ids.push(r.id);
          if (r.topic === 'pdm.gaps.v1') inSpool.push(seqOf(r.value));
        }
        s.ack();
      }
      // Ids only grow, in spool order: a record written after records were moved to the tail takes
      // an id after theirs (acknowledging "through id n" must never reach a later record).
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
      expect([...inSpool, ...handedBack.map((r) => seqOf(r.value))].sort((a, b) => a - b)).toEqual(gaps);
    },
  );
});
