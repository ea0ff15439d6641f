/**
 * The HTML report of one recording analysed by `pdm analyze --report`: a single self-contained
 * file (report-page.ts: uPlot's JS and CSS and the data inlined, a Content-Security-Policy that
 * allows no request), so it can be mailed, archived and opened offline years later.
 *
 * Pure: from the analysis and its arrays (models/window-analysis.ts analyzeRecordDetail) and
 * the chart library's text to one string.
 */
import type { BearingGeometry } from '../../models/bearing/geometry.ts';
import { ISO_BAND_HIGH_HZ, isoBandLowHz, zoneBoundaries } from '../../models/vibration/iso20816.ts';
import { type RecordAnalysis, type RecordDetail, recordTooShort } from '../../models/window-analysis.ts';
import { REPORT_CLIENT_JS } from './report-client.ts';
import { type ChartAssets, DIAGNOSIS_TEXT, FAMILIES, fixed, html, hz, r5, reportDocument, ZONE_TEXT } from './report-page.ts';

export interface AnalysisReportInput {
  /** The file as named on the command line. */
  file: string;
  format: string;
  sampleRateHz: number;
  /** The record, acceleration in g. */
  samples: Float32Array;
  /** Speed given on the command line (r/min), if any. */
  rpm?: number;
  bearing?: BearingGeometry;
  iso: { group: 1 | 2; foundation: 'rigid' | 'flexible' };
  /** The healthy reference the lines were discounted against (its description), if any. */
  reference?: string;
  analysis: RecordAnalysis;
  detail: RecordDetail;
  /** When the report was made (ISO 8601); shown in the footer. */
  generatedAt?: string;
}

/** Points above which the waveform is drawn as min/max pairs (uPlot stays fast, the file small). */
const MAX_WAVEFORM_POINTS = 1 << 18;
/** Points of the full-band spectrum (max-hold per bucket, so no line is lost at screen resolution). */
const MAX_SPECTRUM_POINTS = 1 << 14;
/** Orders marked on the spectrum, and the span shown (a little past the last marker). */
const ORDERS = 10;
const ORDER_SPAN = 10.5;

function rounded(a: ArrayLike<number>, from = 0, to = a.length): number[] {
  const out = new Array<number>(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = r5(a[i]);
  return out;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The waveform: every sample, or min/max per bucket for long records (each bucket's extremes, in time order). */
function waveform(samples: Float32Array, fs: number): { dt?: number; t?: number[]; y: number[]; decimated: number } {
  const n = samples.length;
  if (n <= MAX_WAVEFORM_POINTS) return { dt: 1 / fs, y: rounded(samples), decimated: 1 };
  const bucket = Math.ceil(n / (MAX_WAVEFORM_POINTS / 2));
  const t: number[] = [];
  const y: number[] = [];
  for (let start = 0; start < n; start += bucket) {
    const end = Math.min(n, start + bucket);
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (samples[i] < samples[lo]) lo = i;
      if (samples[i] > samples[hi]) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) {
      t.push(r5(i / fs));
      y.push(r5(samples[i]));
    }
  }
  return { t, y, decimated: bucket };
}

/** The full-band spectrum, max-hold per bucket (at each bucket's largest bin) up to MAX_SPECTRUM_POINTS. */
function fullSpectrum(amplitude: Float64Array, binHz: number, topHz: number): { x: number[]; y: number[]; bucket: number } {
  const top = Math.min(amplitude.length - 1, Math.floor(topHz / binHz));
  const bucket = Math.max(1, Math.ceil(top / MAX_SPECTRUM_POINTS));
  const x: number[] = [];
  const y: number[] = [];
  // From bin 1: DC is the sensor's offset (removed before the transform) and 0 on a log axis.
  for (let start = 1; start <= top; start += bucket) {
    let best = start;
    for (let k = start; k < Math.min(top + 1, start + bucket); k++) if (amplitude[k] > amplitude[best]) best = k;
    x.push(r5(best * binHz));
    y.push(Math.max(1e-9, r5(amplitude[best])));
  }
  return { x, y, bucket };
}

/** The report's data, embedded as JSON and read by the page's script (report-client.ts). */
export function reportData(input: AnalysisReportInput): Record<string, unknown> {
  const { analysis: a, detail: d, sampleRateHz: fs } = input;
  const shaftHz = a.shaft.hz;
  const binHz = d.spectrum.binHz;
  const ordersTopHz = shaftHz > 0 ? ORDER_SPAN * shaftHz : Math.min(fs / 2, 500);
  const ordersBins = Math.min(d.spectrum.amplitude.length, Math.ceil(ordersTopHz / binHz) + 2);
  const seg = d.segment;
  const data: Record<string, unknown> = {
    file: input.file,
    sampleRateHz: fs,
    waveform: waveform(input.samples, fs),
    segmentSpan: seg === undefined ? null : [seg.start / fs, (seg.start + seg.samples) / fs],
    orders: {
      binHz,
      maxHz: ordersTopHz,
      y: rounded(d.spectrum.amplitude, 0, ordersBins),
      markers:
        shaftHz > 0
          ? Array.from({ length: ORDERS }, (_, i) => ({
              hz: (i + 1) * shaftHz,
              label: `${i + 1}X`,
              color: i === 0 ? '#d62728' : '#555',
              strong: i === 0,
              row: 0,
            }))
          : [],
    },
    spectrum: fullSpectrum(d.spectrum.amplitude, binHz, fs / 2),
    envelope: null,
    kurtogram: null,
  };
  const f = a.bearing.frequencies_hz;
  if (seg !== undefined && f !== undefined) {
    const e = seg.envelope;
    const families = FAMILIES.map((fam) => ({
      key: fam.key,
      label: fam.label,
      name: fam.name,
      color: fam.color,
      hz: f[fam.key],
      harmonics: Array.from({ length: fam.harmonics }, (_, i) => (i + 1) * f[fam.key]),
    }));
    // Shown up to a little past the 5th BPFI or 5th BPFO, whichever is higher: where the defect lines are.
    const maxHz = Math.min((e.power.length - 1) * e.binHz, 1.1 * Math.max(5 * f.bpfi, 5 * f.bpfo, 4 * f.bsf));
    data.envelope = {
      binHz: e.binHz,
      maxHz,
      bandHz: e.band_hz,
      segments: e.segments,
      y: rounded(e.power),
      floor: rounded(e.floor),
      families,
    };
    const k = seg.kurtogram;
    // The kurtogram's bins are the segment's FFT lines (next power of two above its length).
    const kurtogramBinHz = fs / 2 ** Math.ceil(Math.log2(seg.samples));
    const levels = [...new Set(k.bands.map((b) => b.level))].sort((x, y) => x - y);
    const cells: Array<[number, number, number, number, number]> = [];
    let min = Infinity;
    let max = -Infinity;
    let topHz = 0;
    for (const level of levels) {
      const row = k.bands.filter((b) => b.level === level).sort((x, y) => x.lowHz - y.lowHz);
      // As the kurtogram decides: a level counts when its bands (the range / their count) are wide enough.
      const rangeHz = row[row.length - 1].highHz + kurtogramBinHz;
      const eligible = level === 0 || rangeHz / row.length >= k.minBandwidthHz ? 1 : 0;
      for (const [i, b] of row.entries()) {
        // Cells span to the next band's first bin (highHz is the band's last bin).
        const right = i + 1 < row.length ? row[i + 1].lowHz : b.highHz + kurtogramBinHz;
        cells.push([level, r5(b.lowHz), r5(right), r5(b.kurtosis), eligible]);
        min = Math.min(min, b.kurtosis);
        max = Math.max(max, b.kurtosis);
        topHz = Math.max(topHz, right);
      }
    }
    const chosenRow = k.bands.filter((b) => b.level === k.chosen.level).sort((x, y) => x.lowHz - y.lowHz);
    const chosenCell = cells.find((c) => c[0] === k.chosen.level && c[1] === r5(k.chosen.lowHz));
    data.kurtogram = {
      levels,
      cells,
      min: r5(Math.min(0, min)),
      max: r5(max),
      maxHz: r5(topHz),
      minBandwidthHz: r5(k.minBandwidthHz),
      chosen: [k.chosen.level, r5(k.chosen.lowHz), chosenCell?.[2] ?? r5(k.chosen.highHz), r5(k.chosen.kurtosis)],
      bandsAtChosenLevel: chosenRow.length,
    };
  }
  return data;
}

/** The envelope pass's segment votes from a record's evidence (analyzeRecord), e.g. "inner race 2 in 14". */
function rawVotes(evidence: Record<string, number> | undefined): string {
  const named = ['outer_race', 'inner_race', 'rolling_element', 'cage']
    .filter((k) => ev(evidence, `votes_${k}`) > 0)
    .map((k) => `${k.replace('_', ' ')} ${ev(evidence, `votes_${k}`)}`);
  return `${named.length > 0 ? named.join(', ') : 'no fault'} in ${ev(evidence, 'segments')}`;
}

/** Evidence key of the representative segment (0 when absent). */
function ev(evidence: Record<string, number> | undefined, key: string): number {
  return evidence?.[key] ?? 0;
}

/** The diagnosis and what it rests on, in sentences an analyst would write (plain text, escaped by the caller). */
export function evidenceInWords(input: AnalysisReportInput): string[] {
  const { analysis: a, detail: d, sampleRateHz: fs } = input;
  const out: string[] = [];
  if (input.bearing === undefined) {
    out.push('No bearing given (--bearing or --bearing-geometry): no envelope analysis, no bearing diagnosis.');
    return out;
  }
  if (!(a.shaft.hz > 0)) {
    out.push('The shaft speed is unknown (not given, and no harmonic series stands out): no defect frequencies, no bearing diagnosis.');
    return out;
  }
  const s = a.segments;
  const seconds = s.samples / fs;
  const revs = (s.samples / fs) * a.shaft.hz;
  const votes = Object.entries(s.votes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${DIAGNOSIS_TEXT[k] === undefined ? k : k.replace('_', ' ')} ${n}`)
    .join(', ');
  const diagnosis = a.bearing.diagnosis;
  const fam = FAMILIES.find((x) => x.fault === diagnosis);
  if (fam !== undefined) {
    // Named by the second look (analyzeRecord): the segments of the envelope itself said none.
    const how = s.prewhitened
      ? ` of the prewhitened signal (its spectrum flattened, so that the machine's own lines drop out; the envelope of the raw signal named no fault in the shorter segments: ${rawVotes(a.bearing.evidence)})`
      : '';
    out.push(
      `${DIAGNOSIS_TEXT[diagnosis]} (${fam.label}) named by ${s.votes[diagnosis]} of ${s.count} half-overlapping segments of ${fixed(seconds, 2)} s (${fixed(revs, 0)} revolutions)${how}; ` +
        `confidence ${fixed(a.bearing.confidence, 2)} (the share of segments naming it times their mean confidence).`,
    );
  } else {
    out.push(
      `No bearing fault named: a fault is named only when more than half of the ${s.count} segments of ${fixed(seconds, 2)} s (${fixed(revs, 0)} revolutions) name it. Votes: ${votes}.`,
    );
    const required = ev(a.bearing.evidence, 'required_revolutions');
    if (recordTooShort(a.bearing.evidence)) {
      out.push(
        `The record is too short to call this bearing healthy: its segments span ${fixed(ev(a.bearing.evidence, 'segment_revolutions'), 1)} revolutions where this bearing needs ${required} to separate its race lines from the shaft harmonics, so the confidence of "no fault" is scaled down by that share (${fixed(a.bearing.confidence, 2)}). A longer record decides.`,
      );
    }
  }
  const seg = d.segment;
  if (seg === undefined) return out;
  const e = seg.analysis.bearing.evidence;
  const band = seg.envelope.band_hz;
  out.push(
    `Representative segment: #${seg.index + 1}, ${fixed(seg.start / fs, 2)}–${fixed((seg.start + seg.samples) / fs, 2)} s (verdict ${seg.analysis.bearing.diagnosis.replace('_', ' ')}, confidence ${fixed(seg.analysis.bearing.confidence, 2)}). ` +
      `The kurtogram chose the band ${hz(band[0])}–${hz(band[1])} (level ${seg.kurtogram.chosen.level}, spectral kurtosis ${fixed(seg.kurtogram.chosen.kurtosis, 2)}); ` +
      `its squared envelope spectrum has lines of ${fixed(seg.envelope.binHz, 2)} Hz.`,
  );
  const f = a.bearing.frequencies_hz;
  for (const family of FAMILIES) {
    const k = family.key;
    const name = `${family.name} (${family.label} ${f === undefined ? '' : fixed(f[k], 1)} Hz)`;
    const lines: string[] = [];
    const absent: string[] = [];
    for (let h = 1; ev(e, `${k}_h${h}_hz`) > 0 || e?.[`${k}_h${h}_hz`] !== undefined; h++) {
      const at = ev(e, `${k}_h${h}_hz`);
      if (at <= 0) continue;
      const snr = ev(e, `${k}_h${h}_snr_db`);
      const thr = ev(e, `${k}_h${h}_threshold_db`);
      const sb = ev(e, `${k}_h${h}_sidebands`);
      const text = `${h}× at ${fixed(at, 1)} Hz: ${fixed(snr, 1)} dB over the floor (threshold ${fixed(thr, 1)} dB)${sb > 0 ? ` with ${sb} shaft-rate sideband${sb > 1 ? 's' : ''}` : ''}`;
      if (ev(e, `${k}_h${h}_present`) === 1) lines.push(text);
      else absent.push(text);
      if (h > 16) break;
    }
    const supported = ev(e, `${k}_supported`) === 1;
    let sentence = `${name}: `;
    if (lines.length > 0) sentence += `present ${lines.join('; ')}.`;
    else sentence += 'no line over its threshold.';
    if (lines.length > 0 && absent.length > 0) sentence += ` Not present: ${absent.map((x) => x.split(' at ')[0]).join(', ')}.`;
    if (lines.length === 0 && absent.length > 0) sentence += ` Fundamental ${absent[0].replace(/^1× /, '')}.`;
    sentence += supported
      ? ` Supported, evidence ${fixed(ev(e, `${k}_strength_db`), 1)} dB.`
      : ev(e, `${k}_explained`) === 1
        ? ' Its lines are explained by a stronger family’s harmonics or sidebands.'
        : lines.length > 0
          ? ' Not supported: a fault needs its fundamental corroborated by a harmonic or a modulation sideband.'
          : '';
    out.push(sentence);
  }
  const dominantHz = ev(e, 'dominant_family_hz');
  if (dominantHz > 0) {
    const owner = FAMILIES.find((x) => f !== undefined && Math.abs(dominantHz - f[x.key]) <= 2 * seg.envelope.binHz + 0.01 * f[x.key]);
    out.push(
      `The strongest harmonic series in the envelope spectrum starts at ${fixed(dominantHz, 1)} Hz${owner === undefined ? '' : ` (${owner.label})`}` +
        `${ev(e, 'dominated') === 1 ? ': it belongs to none of the supported families, so no fault is named from their lines.' : '.'}`,
    );
  }
  if (ev(e, 'shaft_line_present') === 1)
    out.push(
      `The envelope carries a 1X line (${fixed(ev(e, 'shaft_line_snr_db'), 1)} dB): the band is modulated at shaft rate, as an inner race fault or looseness does.`,
    );
  const discounted = a.bearing.discounted ?? [];
  if (input.reference !== undefined)
    out.push(
      `Healthy reference: ${input.reference}; ${discounted.length} machine line(s) discounted${
        discounted.length > 0
          ? ` (${discounted.map((l) => `${l.type.replace('_', ' ')} ${l.line} at ${fixed(l.hz, 1)} Hz`).join(', ')})`
          : ''
      }.`,
    );
  return out;
}

const FEATURE_UNITS: Array<[RegExp, string]> = [
  [/^(rms|peak|peak_to_peak)$/, 'g'],
  [/^band_/, 'g RMS'],
  [/^velocity_rms_mm_s$|^x[123]$/, 'mm/s RMS'],
  [/_hz$/, 'Hz'],
  [/_score$/, 'dB'],
];

const FEATURE_NOTES: Record<string, string> = {
  x1: '1X velocity',
  x2: '2X velocity',
  x3: '3X velocity',
  band_low: '10 Hz–1 kHz',
  band_mid: '1–5 kHz',
  band_high: '5–20 kHz',
  bpfo_score: 'mean over segments',
  bpfi_score: 'mean over segments',
  bsf_score: 'mean over segments',
  ftf_score: 'mean over segments',
  spectral_kurtosis: 'mean over segments',
};

function featureRows(features: Record<string, number>): string {
  return Object.entries(features)
    .map(([k, v]) => {
      const unit = FEATURE_UNITS.find(([re]) => re.test(k))?.[1] ?? '';
      const value = Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(5)).toString();
      return `<tr><th scope="row">${html(k)}</th><td class="num">${html(value)}</td><td>${html(unit)}</td><td class="note">${html(FEATURE_NOTES[k] ?? '')}</td></tr>`;
    })
    .join('\n');
}

/** What only this report needs beyond the house style: the kurtogram's scale, the feature columns. */
const CSS = `
.scale { display: flex; align-items: center; gap: 8px; font-size: 12px; color: #56606b; }
.scale .bar { width: 220px; height: 10px; border-radius: 2px; background: linear-gradient(90deg, rgb(68,1,84), rgb(59,82,139), rgb(33,145,140), rgb(94,201,98), rgb(253,231,37)); }
.features { columns: 2; column-gap: 32px; }
@media (max-width: 900px) { .features { columns: 1; } }
`;

/** The report, one HTML document. */
export function renderAnalysisReport(input: AnalysisReportInput, assets: ChartAssets): string {
  const { analysis: a, detail: d, sampleRateHz: fs } = input;
  const data = reportData(input);
  const name = baseName(input.file);
  const duration = input.samples.length / fs;
  const [ab, bc, cd] = zoneBoundaries(input.iso);
  const v = a.features.velocity_rms_mm_s;
  const zone = a.iso20816.zone;
  const diagnosis = a.bearing.diagnosis;
  const fam = FAMILIES.find((x) => x.fault === diagnosis);
  // A `none` from a record shorter than the bearing needs is not shown as an all-clear (green).
  const tooShort = recordTooShort(a.bearing.evidence);
  const b = input.bearing;
  const seg = d.segment;
  const f = a.bearing.frequencies_hz;
  const shaftText = a.shaft.source === 'unavailable' ? 'unknown' : `${fixed(a.shaft.hz, 3)} Hz (${fixed(a.shaft.hz * 60, 0)} r/min)`;
  const shaftNote =
    a.shaft.source === 'given'
      ? a.shaft.given_hz === undefined
        ? 'as given'
        : `given ${fixed(a.shaft.given_hz * 60, 0)} r/min, refined to the spectrum's harmonic series`
      : a.shaft.source === 'estimated'
        ? 'estimated from the spectrum: its strongest harmonic series'
        : 'not given, and no harmonic series stands out';
  const bearingText =
    b === undefined
      ? 'none given'
      : `${b.name ?? 'custom geometry'}: ${b.balls} balls of ${fixed(b.ballDiameterMm, 2)} mm on a ${fixed(b.pitchDiameterMm, 2)} mm pitch, contact angle ${b.contactAngleDeg}°`;
  const defectText =
    f === undefined
      ? ''
      : `BPFO ${fixed(f.bpfo, 2)} Hz, BPFI ${fixed(f.bpfi, 2)} Hz, BSF ${fixed(f.bsf, 2)} Hz, FTF ${fixed(f.ftf, 2)} Hz at ${fixed(a.shaft.hz, 3)} Hz shaft speed`;
  const envelope = data.envelope as { families: Array<{ key: string; label: string; name: string; color: string; hz: number }> } | null;
  const familyToggles =
    envelope === null
      ? ''
      : envelope.families
          .map(
            (x) =>
              `<label><input type="checkbox" data-family="${html(x.key)}" checked><span class="swatch" style="background:${html(x.color)}"></span>${html(x.label)} ${html(fixed(x.hz, 2))} Hz <span class="caption">(${html(x.name.toLowerCase())})</span></label>`,
          )
          .join('\n');
  const kurt = data.kurtogram as { min: number; max: number; minBandwidthHz: number } | null;
  const wave = data.waveform as { decimated: number };
  const spec = data.spectrum as { bucket: number };
  const words = evidenceInWords(input);
  const lowHz = isoBandLowHz(a.shaft.hz > 0 ? a.shaft.hz : undefined);

  const envelopeSection =
    seg === undefined
      ? `<section><h2>Envelope spectrum and kurtogram</h2><p class="caption">${html(
          b === undefined ? 'No bearing given: no envelope analysis.' : 'No shaft speed: no envelope analysis.',
        )}</p></section>`
      : `<section>
<h2>Envelope spectrum — representative segment #${seg.index + 1} (${html(fixed(seg.start / fs, 2))}–${html(fixed((seg.start + seg.samples) / fs, 2))} s)</h2>
<p class="caption">Squared envelope spectrum ${a.segments.prewhitened ? 'of the prewhitened signal (the second look that named the fault), ' : ''}of the band ${html(hz(seg.envelope.band_hz[0]))}–${html(hz(seg.envelope.band_hz[1]))} chosen by the kurtogram (Welch average of ${seg.envelope.segments} segment(s), lines of ${html(fixed(seg.envelope.binHz, 3))} Hz); dashed grey: the noise floor the evidence measures lines against. Markers: the bearing's defect frequencies (solid) and their harmonics (dashed) at the measured shaft speed; untick a family to hide it. Drag to zoom, double-click to reset.</p>
<div class="families">${familyToggles}<label><input type="checkbox" id="envelope-log"> logarithmic axis (shows the floor)</label></div>
<div id="plot-envelope"></div>
</section>
<section>
<h2>Kurtogram — representative segment #${seg.index + 1}</h2>
<p class="caption">Spectral kurtosis of the envelope in each band of the 1/3-binary tree (level <i>l</i>: 2<sup><i>l</i></sup> bands of the usable range 0–${html(hz(fs / 2.56))}). Red frame: the band chosen for demodulation. Faded rows: bands narrower than ${html(fixed(kurt?.minBandwidthHz ?? 0, 0))} Hz (3 × the fastest defect rate), which could not be chosen.</p>
<div class="scale"><span>spectral kurtosis ${html(fixed(kurt?.min ?? 0, 1))}</span><span class="bar"></span><span>${html(fixed(kurt?.max ?? 0, 1))}</span></div>
<div id="plot-kurtogram"></div>
</section>`;

  const body = `<h1>Vibration analysis: ${html(name)}</h1>
<p class="sub">${html(input.file)} · ${html(input.format)} · ${input.samples.length} samples at ${html(String(fs))} Hz (${html(fixed(duration, 2))} s) · bearing: ${html(bearingText)}${input.rpm === undefined ? '' : ` · given speed ${html(String(input.rpm))} r/min`}</p>

<div class="cards">
<div class="card"><div class="k">Bearing diagnosis</div><div class="v ${b === undefined ? '' : diagnosis === 'none' ? (tooShort ? '' : 'ok') : 'fault'}">${html(b === undefined ? 'Not assessed' : (DIAGNOSIS_TEXT[diagnosis] ?? diagnosis))}</div><div class="d">${
    b === undefined
      ? 'no bearing given'
      : `confidence ${html(fixed(a.bearing.confidence, 2))}${fam === undefined ? '' : ` · ${html(fam.label)}`} · ${a.segments.votes[diagnosis] ?? 0}/${a.segments.count} segments${diagnosis === 'none' && tooShort ? ' · record too short to call it healthy' : ''}`
  }</div></div>
<div class="card"><div class="k">ISO 20816-3 zone</div><div class="v"><span class="zone zone-${html(zone)}">${html(zone)}</span> ${html(fixed(v, 2))} mm/s</div><div class="d">${html(ZONE_TEXT[zone] ?? '')}; group ${input.iso.group}, ${html(input.iso.foundation)}: A/B ${ab}, B/C ${bc}, C/D ${cd} mm/s</div></div>
<div class="card"><div class="k">Shaft speed</div><div class="v">${html(shaftText)}</div><div class="d">${html(shaftNote)}</div></div>
<div class="card"><div class="k">Acceleration</div><div class="v">${html(fixed(a.features.rms, 4))} g RMS</div><div class="d">peak ${html(fixed(a.features.peak, 3))} g · crest ${html(fixed(a.features.crest_factor, 2))} · kurtosis ${html(fixed(a.features.kurtosis, 2))}</div></div>
</div>

<section>
<h2>Diagnosis and its evidence</h2>
<ul class="evidence">
${words.map((w) => `<li>${html(w)}</li>`).join('\n')}
</ul>
${defectText === '' ? '' : `<p class="caption">Defect frequencies: ${html(defectText)}.</p>`}
</section>

<section>
<h2>Waveform — whole record</h2>
<p class="caption">Acceleration in g over the ${html(fixed(duration, 2))} s of the record${
    wave.decimated > 1 ? ` (drawn as the minimum and maximum of every ${wave.decimated} samples)` : ''
  }${seg === undefined ? '' : '; shaded: the representative segment of the envelope analysis'}. Drag to zoom, double-click to reset.</p>
<div id="plot-waveform"></div>
</section>

<section>
<h2>Spectrum — orders of the shaft speed (whole record)</h2>
<p class="caption">${
    a.shaft.hz > 0
      ? `Hann-window amplitude spectrum of the whole record (lines of ${html(fixed(d.spectrum.binHz, 4))} Hz), 0–${ORDER_SPAN}X, with markers at 1X…${ORDERS}X of ${html(fixed(a.shaft.hz, 3))} Hz: unbalance shows at 1X, misalignment at 2X, looseness as many harmonics.`
      : 'Hann-window amplitude spectrum of the whole record, 0–500 Hz: the shaft speed is unknown, so no order markers.'
  }${d.spectrum.whole ? '' : ` The record is longer than one analysis window: this is the spectrum of its first ${d.spectrum.samples} samples.`}</p>
<div id="plot-orders"></div>
</section>

<section>
<h2>Spectrum — full band (whole record, logarithmic)</h2>
<p class="caption">The same spectrum up to Nyquist, ${html(hz(fs / 2))} (a recorder's anti-alias filter leaves the band above ${html(hz(fs / 2.56))} unreliable)${spec.bucket > 1 ? ` (the largest of every ${spec.bucket} lines drawn)` : ''}${
    seg === undefined ? '' : '; shaded: the band demodulated for the envelope spectrum'
  }. ISO 20816-3 velocity is measured over ${lowHz} Hz–${ISO_BAND_HIGH_HZ / 1000} kHz.</p>
<div id="plot-spectrum"></div>
</section>

${envelopeSection}

<section>
<h2>Features</h2>
<p class="caption">As <code>pdm analyze --json</code> reports them: time-domain and spectral features of the whole record; the bearing scores and spectral kurtosis are means over the segments.</p>
<div class="features"><table><tbody>
${featureRows(a.features)}
</tbody></table></div>
</section>

<footer>Made by <code>pdm analyze --report</code>${input.generatedAt === undefined ? '' : ` on ${html(input.generatedAt)}`}. Waveform and spectra: the whole record (where features, ISO zone and speed come from); envelope spectrum and kurtogram: the representative segment of the bearing diagnosis (the one agreeing with the record's verdict most confidently). Self-contained: the charts are uPlot (MIT), inlined; the page makes no network request.</footer>`;
  return reportDocument(
    { title: `${name} — pdm vibration analysis`, generator: 'pdm analyze --report', css: CSS, body, data, script: REPORT_CLIENT_JS },
    assets,
  );
}
