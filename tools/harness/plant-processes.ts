/**
 * The processes of a local plant that `pdm start` runs (itself with the processor; the collector,
 * the simulator, Kafka and QuestDB as its children), found from /proc (Linux), and what they use:
 * for the soak and the end-to-end bench.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Every descendant of `pid`, with a name for what it is (from its command line). */
export function plantProcesses(pid: number): Map<string, number> {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = new Map<string, number>([['pdm start (processor)', pid]]);
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue;
      }
      if (cmd.includes(' simulate ')) out.set('simulator', child);
      else if (cmd.includes(' collect ')) out.set('collector', child);
      else if (cmd.includes('kafka.Kafka')) out.set('kafka', child);
      else if (cmd.includes('questdb')) out.set('questdb', child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident MB of a process's `[heap]` mapping: glibc malloc's main arena (ArrayBuffer backing
 * stores, OpenSSL, native buffers; V8's own heap is mapped elsewhere). It grows when freed memory
 * cannot be handed back (fragmentation), so beside the RSS it tells a leak of live objects from
 * memory the allocator keeps. NaN when unknown.
 */
export function mallocHeapMb(pid: number): number {
  try {
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const at = smaps.indexOf('[heap]');
    if (at < 0) return 0;
    const m = /Rss:\s+(\d+) kB/.exec(smaps.slice(at));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds in a /proc `stat` file (a process's or one thread's). */
function statCpuSeconds(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds a process's threads have used so far, summed by thread name (Linux `comm`): in a
 * Node process `MainThread` (the event loop), `WorkerThread` (worker_threads: the processor's
 * analysis pool), `V8Worker` (garbage collection and compilation helpers), `libuv-worker` (file
 * system, crypto, compression); threads that have ended are not counted.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tasks) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      /* the thread ended */
    }
  }
  return byName;
}
