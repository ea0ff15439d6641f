/**
 * The machine condition report of `pdm report`: one self-contained HTML page (report-page.ts) an
 * engineer mails after a route — header with the range and data coverage, the summary in words,
 * trends, the latest spectra with their order and defect markers, the remaining-life fan chart,
 * the alert episodes and the collection gaps. A section without data says why instead of drawing
 * an empty plot. Pure: the shaped report (machine-report-data.ts) and the chart library's text in,
 * one string out; the plots are drawn in the browser by machine-report-client.ts.
 */

import { NO_WAVEFORM } from '../../storage/schema.ts';
import { MACHINE_REPORT_CLIENT_JS } from './machine-report-client.ts';
import type { MachineReport } from './machine-report-data.ts';
import {
  diagnosisBasisText,
  durationText,
  isAssessed,
  lifeText,
  namesFault,
  rulUnit,
  STATE_NAMES,
  stateText,
  utc,
} from './machine-report-words.ts';
import { type ChartAssets, DIAGNOSIS_TEXT, FAMILIES, fixed, html, hz, reportDocument, ZONE_TEXT } from './report-page.ts';

const CSS = `
table.list { width: 100%; }
table.list td.detail { color: #3a434c; }
.sev-critical { color: #b71c1c; font-weight: 600; } .sev-warning { color: #a86800; font-weight: 600; }
.open { font-weight: 600; }
.toggle { font-size: 13px; margin: 0 0 4px; }
.legend-note { font-size: 12px; color: #56606b; }
`;

function empty(why: string): string {
  return `<p class="empty">${html(why)}</p>`;
}

function plotBlock(id: string, caption: string): string {
  return `<p class="caption">${caption}</p>\n<div id="plot-${id}" class="plot"></div>`;
}

function cards(r: MachineReport): string {
  const h = r.latestHealth;
  const w = r.worstZone;
  const faults = r.now.filter(namesFault);
  const assessed = r.now.some(isAssessed);
  const scalarOnly = !assessed && r.now.some((c) => c.diagnosis === NO_WAVEFORM);
  const top = [...faults].sort((a, b) => b.confidence - a.confidence)[0];
  const rul = r.latestRul;
  const open = r.episodes.filter((e) => e.endedAtMs === undefined);
  const card = (k: string, v: string, d: string, cls = '') =>
    `<div class="card"><div class="k">${k}</div><div class="v ${cls}">${v}</div><div class="d">${d}</div></div>`;
  return `<div class="cards">
${card(
  'NE 107 state',
  html(h === undefined ? 'No record' : stateText(h.state)),
  html(
    h === undefined ? 'no health record in the range' : `at ${utc(h.tsMs)} · anomaly ${fixed(h.anomaly, 2)}${h.alarm ? ' · alarm' : ''}`,
  ),
  h === undefined ? '' : h.state === 'normal' ? 'ok' : 'fault',
)}
${card(
  'Worst ISO 20816-3 zone',
  w === undefined ? 'No data' : `<span class="zone zone-${html(w.zone)}">${html(w.zone)}</span> ${html(fixed(w.velocityMmS, 2))} mm/s`,
  html(w === undefined ? 'no windows in the range' : `${w.channel} · ${ZONE_TEXT[w.zone] ?? ''}`),
)}
${card(
  'Bearing diagnosis',
  html(top !== undefined ? (DIAGNOSIS_TEXT[top.diagnosis!] ?? top.diagnosis!) : assessed ? DIAGNOSIS_TEXT.none : 'Not assessed'),
  html(
    top !== undefined
      ? `${top.channel} · confidence ${fixed(top.confidence, 2)} · ${diagnosisBasisText(top)}${faults.length > 1 ? ` · ${faults.length} channels` : ''}`
      : assessed
        ? 'every channel with a bearing'
        : scalarOnly
          ? 'no waveform: scalar sensors only'
          : 'no bearing or speed at these channels',
  ),
  top !== undefined ? 'fault' : assessed ? 'ok' : '',
)}
${card(
  'Remaining life',
  html(rul === undefined ? 'No estimate' : lifeText(rul.median)),
  html(
    rul === undefined
      ? `${open.length} alert episode${open.length === 1 ? '' : 's'} open`
      : `90 %: ${lifeText(rul.lower, rulUnit(rul.median))} – ${lifeText(rul.upper, rulUnit(rul.median))} · ${rul.basis || 'basis unknown'} · ${open.length} alert${open.length === 1 ? '' : 's'} open`,
  ),
)}
</div>`;
}

function alertsTable(r: MachineReport): string {
  if (r.episodes.length === 0) return empty('No alert episode in this range.');
  const rows = r.episodes
    .map(
      (e) =>
        `<tr class="episode${e.endedAtMs === undefined ? ' open' : ''}"><td>${html(utc(e.startedAtMs))}</td><td>${html(e.endedAtMs === undefined ? 'open' : utc(e.endedAtMs))}</td><td class="num">${html(durationText(e.durationS))}${e.endedAtMs === undefined ? ' +' : ''}</td><td>${html(e.kind)}</td><td>${html(e.channel)}</td><td class="sev-${html(e.severity)}">${html(e.severity)}</td><td class="detail">${html(e.detail)}</td></tr>`,
    )
    .join('\n');
  return `<table class="list"><thead><tr><th>start (UTC)</th><th>end</th><th>duration</th><th>kind</th><th>channel</th><th>severity</th><th>detail</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function gapsTable(r: MachineReport): string {
  if (r.gaps.length === 0) return empty('No collection gap in this range: every block the collector sequenced arrived.');
  const rows = r.gaps
    .map(
      (g) =>
        `<tr class="gap"><td>${html(utc(g.tsMs))}</td><td>${html(g.channel)}</td><td class="num">${g.fromSeq}</td><td class="num">${g.toSeq}</td><td class="num">${g.missingBlocks}</td><td>${html(g.cause.replaceAll('_', ' '))}</td></tr>`,
    )
    .join('\n');
  const more = r.gapTotals.gaps > r.gaps.length ? `<p class="caption">The first ${r.gaps.length} of ${r.gapTotals.gaps} gaps.</p>` : '';
  return `<table class="list"><thead><tr><th>at (UTC)</th><th>channel</th><th>from seq</th><th>to seq</th><th>missing blocks</th><th>cause</th></tr></thead><tbody>
${rows}
</tbody></table>${more}`;
}

function spectraSection(r: MachineReport): string {
  if (r.spectra.length === 0) {
    const scalar = r.now.filter((c) => c.diagnosis === NO_WAVEFORM).map((c) => c.channel);
    return empty(
      `No spectra stored in this range (the processor stores them at a cadence and on state changes: spectra.everyWindows; kept 14 days).${
        scalar.length > 0 ? ` ${scalar.join(', ')}: scalar sensor${scalar.length > 1 ? 's' : ''} (overall values only, no waveform).` : ''
      }`,
    );
  }
  const families = FAMILIES.map(
    (f) => `<span><span class="swatch" style="background:${html(f.color)}"></span>${html(f.label)} (${html(f.name.toLowerCase())})</span>`,
  ).join(' ');
  const parts: string[] = [];
  for (const channel of r.channels) {
    const views = r.spectra.map((s, i) => ({ s, i })).filter(({ s }) => s.channel === channel);
    if (views.length === 0) {
      const scalar = r.now.find((c) => c.channel === channel)?.diagnosis === NO_WAVEFORM;
      parts.push(
        `<h3>${html(channel)}</h3>`,
        empty(
          scalar
            ? `No spectra of ${channel}: a scalar sensor (overall values only, no waveform).`
            : `No spectrum of ${channel} stored in this range.`,
        ),
      );
      continue;
    }
    parts.push(`<h3>${html(channel)}</h3>`);
    for (const { s, i } of views) {
      if (s.kind === 'amplitude') {
        parts.push(
          plotBlock(
            `spectrum-${i}`,
            `Amplitude spectrum of the window at ${html(utc(s.tsMs))} (g peak, lines of ${html(fixed(s.stepHz, 2))} Hz, peak-hold), ${
              s.shaftHz > 0
                ? `shaft ${html(fixed(s.shaftHz, 2))} Hz (${html(fixed(s.shaftHz * 60, 0))} r/min); markers at 1X–10X. Shown 0–${html(hz(s.initialMaxHz))}; the stored band reaches ${html(hz(s.maxHz))}.`
                : 'shaft speed unknown in that window: no order markers.'
            }`,
          ),
          `<label class="toggle"><input type="checkbox" data-full-band="${i}"> whole stored band (0–${html(hz(s.maxHz))})</label>`,
        );
      } else {
        parts.push(
          plotBlock(
            `spectrum-${i}`,
            `Squared envelope spectrum of the window at ${html(utc(s.tsMs))} (g², band chosen by the kurtogram). ${
              s.markers.length > 0
                ? `Markers: the bearing's defect frequencies at that window's speed (solid) and their harmonics (dashed): ${families}.`
                : 'No defect frequencies stored for that window (no bearing at this location, or no speed): no markers.'
            }`,
          ),
        );
      }
    }
    if (!views.some(({ s }) => s.kind === 'envelope'))
      parts.push(empty(`No envelope spectrum of ${channel} in this range (no bearing, no speed, or its sensor failed its checks).`));
  }
  return parts.join('\n');
}

function trendsSection(r: MachineReport): string {
  const t = r.trends;
  if (t === undefined) return empty('No windows of this machine in this range: nothing to trend.');
  const bucket = durationText(r.bucketS);
  const evidence =
    t.evidence.series.length === 0
      ? empty('No bearing evidence stored in this range (no bearing configured at these channels, or no speed).')
      : plotBlock(
          'evidence',
          `Bearing fault evidence: per channel and defect family, the level of the defect frequency's line over the envelope spectrum's local floor (dB), the highest in each ${html(bucket)} (colour: family, line style: channel). A line counts as present above its threshold (grey dotted; about ${html(r.evidenceThresholdDb === undefined ? '–' : fixed(r.evidenceThresholdDb, 1))} dB here); a fault is named when a family's fundamental is corroborated by a harmonic or a sideband.`,
        );
  return [
    plotBlock('velocity', `Velocity RMS (mm/s, ISO 20816-3 band), mean per ${html(bucket)} and channel. The zones it falls in are below.`),
    plotBlock('zone', `ISO 20816-3 zone, the worst per ${html(bucket)} and channel (A: ${html(ZONE_TEXT.A)}; D: ${html(ZONE_TEXT.D)}).`),
    plotBlock('kurtosis', `Kurtosis of the acceleration, mean per ${html(bucket)} (about 3 for a healthy machine; impacts raise it).`),
    evidence,
  ].join('\n');
}

function healthSection(r: MachineReport): string {
  if (r.health === undefined)
    return empty('No health record in this range (the health model writes one per window once it has learned the machine).');
  const bucket = durationText(r.bucketS);
  return [
    plotBlock('anomaly', `Anomaly score, the highest per ${html(bucket)}.`),
    plotBlock('state', `NE 107 state, the worst per ${html(bucket)} (${html(STATE_NAMES.join(', '))}).`),
  ].join('\n');
}

function rulSection(r: MachineReport): string {
  if (r.rul === undefined)
    return empty('No remaining-life estimate in this range (none until the model has a fleet life distribution or a degradation trend).');
  const bases = [...new Set(r.rul.basis.filter((b) => b !== null))];
  return plotBlock(
    'rul',
    `Remaining useful life (${html(r.rul.unit)}): the median (line) and its 90 % interval (shaded), the last estimate in each ${html(durationText(r.bucketS))}; basis: ${html(bases.length === 0 ? 'unknown' : bases.join(', '))} (fleet: the fleet's life distribution; degradation: the machine's own trend).`,
  );
}

/** The data the page's script draws (window.pdmReport.data). */
export function machineReportData(r: MachineReport): Record<string, unknown> {
  return {
    machine: r.machine,
    fromMs: r.fromMs,
    toMs: r.toMs,
    channels: r.channels,
    trends: r.trends ?? null,
    health: r.health ?? null,
    rul: r.rul ?? null,
    spectra: r.spectra,
    stateNames: STATE_NAMES,
  };
}

export function renderMachineReport(r: MachineReport, assets: ChartAssets): string {
  const body = `<h1>Machine condition report: ${html(r.machine)}</h1>
<p class="sub">${html(utc(r.fromMs))} – ${html(utc(r.toMs))} (UTC) · generated ${html(utc(r.generatedAtMs))} · data: ${html(r.coverage.text)}</p>
${cards(r)}
<section id="summary"><h2>Summary</h2>
<ul class="evidence">
${r.summary.map((s) => `<li>${html(s)}</li>`).join('\n')}
</ul></section>
<section id="trends"><h2>Trends</h2>
${trendsSection(r)}
</section>
<section id="health"><h2>Health</h2>
${healthSection(r)}
</section>
<section id="rul"><h2>Remaining useful life</h2>
${rulSection(r)}
</section>
<section id="spectra"><h2>Latest spectra</h2>
${spectraSection(r)}
</section>
<section id="alerts"><h2>Alert episodes</h2>
<p class="caption">Episodes that overlap the range, oldest first: an episode starts after the processor confirmed the condition and ends when it cleared (the end carries the worst severity reached); "open" ones were still open at the end of the range (their duration runs to it).</p>
${alertsTable(r)}
</section>
<section id="gaps"><h2>Collection gaps</h2>
<p class="caption">Blocks the collector sequenced but that never arrived, and why (lost in flight while collecting, or not collected while the collector was stopped).</p>
${gapsTable(r)}
</section>
<footer>Made by <code>pdm report</code> from QuestDB on ${html(utc(r.generatedAtMs))}. Times are UTC. Trends are downsampled in QuestDB (SAMPLE BY ${html(durationText(r.bucketS))}). Self-contained: the charts are uPlot (MIT), inlined; the page makes no network request.</footer>`;
  return reportDocument(
    {
      title: `${r.machine} — pdm machine condition report`,
      generator: 'pdm report',
      css: CSS,
      body,
      data: machineReportData(r),
      script: MACHINE_REPORT_CLIENT_JS,
    },
    assets,
  );
}
