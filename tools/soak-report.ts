/**
 * The soak's section of BENCHMARKS.md: replaced in place (between its markers) by each soak run,
 * so `npm run bench`'s sections and the soak's live in one file without overwriting each other.
 */
import { writeMarkedSection } from './benchmarks-section.ts';

export interface SoakSummary {
  measuredAt: string;
  command: string;
  fleet: string;
  /** MALLOC_* variables of the environment the plant ran with. */
  mallocEnvironment?: string[];
  cpus: number;
  loadAverageAtEnd: number[];
  minutes: number;
  exitCode: number | null;
  samples: number;
  memory: Array<{
    process: string;
    startMb: number | null;
    endMb: number | null;
    secondQuarterMeanMb: number;
    lastQuarterMeanMb: number;
    growthPct: number;
    /** Resident MB of glibc malloc's main heap at the end. */
    mallocHeapEndMb?: number | null;
  }>;
  lag: { max: number | null; lastQuarterMax: number };
  missingBlocksAtEnd: number | null;
}

/** The markdown of a soak run (without its markers). */
export function soakSection(s: SoakSummary): string[] {
  return [
    '## Soak (`npm run soak`)',
    '',
    `\`${s.command}\` (${s.measuredAt}, ${s.cpus} cores, load at the end ${s.loadAverageAtEnd.join(' / ')}): the local factory (\`pdm start\`, fleet ${s.fleet}${s.mallocEnvironment?.length ? `, with ${s.mallocEnvironment.join(' ')}` : ''}) for ${s.minutes} minutes, ${s.samples} samples. Memory is flat when the last quarter's mean RSS is within 10 % of the second quarter's (the first quarter is start-up and warm-up).`,
    '',
    '| process | RSS at start (MB) | RSS at end (MB) | 2nd-quarter mean (MB) | last-quarter mean (MB) | growth | of it malloc heap at end (MB) |',
    '|---|---|---|---|---|---|---|',
    ...s.memory.map(
      (m) =>
        `| ${m.process} | ${m.startMb ?? '-'} | ${m.endMb ?? '-'} | ${m.secondQuarterMeanMb} | ${m.lastQuarterMeanMb} | ${m.growthPct} % | ${m.mallocHeapEndMb ?? '-'} |`,
    ),
    '',
    "malloc heap = the resident part of glibc malloc's main heap (`[heap]` in /proc/<pid>/smaps): native buffers, not V8's own heap.",
    '',
    `Consumer lag (messages not yet processed): at most ${s.lag.max ?? '-'}, at most ${s.lag.lastQuarterMax} in the last quarter. Missing blocks stored as collection gaps at the end (not counting a stopped or tripped machine's, cause not_running): ${s.missingBlocksAtEnd ?? '-'}. pdm start exit code ${s.exitCode}.`,
  ];
}

/** Put the soak's section into `file`, replacing an earlier one, or appending it. */
export function writeSoakSection(file: string, s: SoakSummary): void {
  writeMarkedSection(file, 'soak', 'tools/soak.ts', soakSection(s));
}
