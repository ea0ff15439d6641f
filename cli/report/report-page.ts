/**
 * What every pdm HTML report shares (`pdm analyze --report`, `pdm report`): the self-contained
 * page around it (uPlot's JS and CSS and the data inlined, a Content-Security-Policy that allows
 * no request, so it can be mailed, archived and opened offline years later), the house style,
 * the escaping, and the words and colours of ISO zones, diagnoses and bearing defect families.
 *
 * Pure: strings in, one string out. Everything that comes from file names or data is escaped:
 * text through `html`, the embedded JSON so that no `<` can end its script element.
 */

export interface ChartAssets {
  /** uPlot's IIFE build (defines the global uPlot) and its stylesheet. */
  js: string;
  css: string;
}

/** Bearing defect families as the reports name and colour them (markers, toggles, legends). */
export const FAMILIES = [
  { key: 'bpfo', fault: 'outer_race', name: 'Outer race', label: 'BPFO', color: '#d62728', harmonics: 5 },
  { key: 'bpfi', fault: 'inner_race', name: 'Inner race', label: 'BPFI', color: '#1f77b4', harmonics: 5 },
  { key: 'bsf', fault: 'rolling_element', name: 'Rolling element', label: 'BSF', color: '#2ca02c', harmonics: 4 },
  { key: 'ftf', fault: 'cage', name: 'Cage', label: 'FTF', color: '#9467bd', harmonics: 3 },
] as const;

export const DIAGNOSIS_TEXT: Record<string, string> = {
  outer_race: 'Outer race fault',
  inner_race: 'Inner race fault',
  rolling_element: 'Rolling element fault',
  cage: 'Cage fault',
  none: 'No bearing fault named',
};

export const ZONE_TEXT: Record<string, string> = {
  A: 'newly commissioned machines',
  B: 'unrestricted long-term operation',
  C: 'restricted operation: plan an intervention',
  D: 'vibration severe enough to cause damage',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON for a <script type="application/json"> element: no `<` (so no `</script>`), no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A library's text inside <script>/<style>: an end tag in it would end the element early. */
export function inlineSafe(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

/** 5 significant digits: the plots' resolution, a third of the size of full doubles. */
export function r5(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(5)) : 0;
}

export function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

export function hz(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} kHz` : `${v.toFixed(1)} Hz`;
}

/** The house style of every report: cards, sections, tables, zone colours. */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2329; margin: 0; background: #f4f6f8; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 10px 0 4px; }
.sub { color: #56606b; margin: 0 0 16px; overflow-wrap: anywhere; }
section { background: #fff; border: 1px solid #dde2e7; border-radius: 6px; padding: 14px 16px; margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 0 0 16px; }
.card { background: #fff; border: 1px solid #dde2e7; border-radius: 6px; padding: 10px 14px; }
.card .k { color: #56606b; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; margin: 2px 0; }
.card .d { color: #56606b; font-size: 13px; }
.zone { display: inline-block; min-width: 1.6em; text-align: center; border-radius: 4px; color: #fff; padding: 0 6px; }
.zone-A { background: #2e7d32; } .zone-B { background: #7cb342; } .zone-C { background: #f9a825; color: #222; } .zone-D { background: #c62828; }
.fault { color: #b71c1c; } .ok { color: #2e7d32; }
.caption { color: #56606b; font-size: 13px; margin: 4px 0 8px; }
.empty { color: #56606b; font-style: italic; margin: 4px 0; }
.evidence li { margin: 0 0 4px; }
.families { display: flex; flex-wrap: wrap; gap: 14px; font-size: 13px; margin: 0 0 6px; }
.families label { cursor: pointer; }
.swatch { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 4px 0 2px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 10px 3px 0; text-align: left; border-bottom: 1px solid #eef0f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.note { color: #56606b; }
footer { color: #56606b; font-size: 12px; }
.u-legend { font-size: 12px; }
@media (max-width: 900px) { .cards { grid-template-columns: repeat(2, 1fr); } }
@media print { body { background: #fff; } section, .card { break-inside: avoid; } }
`;

export interface ReportDocument {
  /** The <title>, plain text. */
  title: string;
  /** The command that made it (meta generator), e.g. `pdm analyze --report`. */
  generator: string;
  /** CSS of this kind of report, after the house style. */
  css?: string;
  /** The content of <main>, HTML. */
  body: string;
  /** Embedded as JSON in #pdm-data, read by `script`. */
  data: unknown;
  /** The page's own script (drawing with uPlot). */
  script: string;
}

/** One self-contained HTML document: no request at view time (the CSP forbids any). */
export function reportDocument(doc: ReportDocument, assets: ChartAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${html(doc.generator)}">
<title>${html(doc.title)}</title>
<style>${inlineSafe(assets.css, 'style')}</style>
<style>${REPORT_CSS}${doc.css ?? ''}</style>
</head>
<body>
<main>
${doc.body}
</main>
<script type="application/json" id="pdm-data">${scriptJson(doc.data)}</script>
<script>${inlineSafe(assets.js, 'script')}</script>
<script>${inlineSafe(doc.script, 'script')}</script>
</body>
</html>
`;
}
