/**
 * The script a machine report (`pdm report`) runs in the browser: it reads the data embedded in
 * the page (#pdm-data, built by machine-report.ts) and draws the trends, the health and
 * remaining-life charts and the latest spectra with uPlot (inlined before it), using the reports'
 * shared helpers (chart-helpers.ts: axes, ticks, markers, the plot registry). Times are shown in
 * UTC, as the page's tables are, and every time plot spans the report's range (so they line up). Order and defect markers are drawn by the shared marker plugin,
 * on uPlot's canvas, with its value-to-pixel mapping; the 90 % interval of the remaining life is a
 * uPlot band between its bounds.
 *
 * Kept as a string (a template literal with no backquote, dollar-brace or backslash of its own)
 * because the type checker has no DOM library here; the browser test
 * (test/integration/dashboards/dashboard-sql.test.ts, after its factory run) is what checks it.
 * It exposes window.pdmReport = { data, plots }.
 */
import { CHART_HELPERS_JS } from './chart-helpers.ts';

export const MACHINE_REPORT_CLIENT_JS = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pdm-data').textContent);
  var plots = {};
  window.pdmReport = { data: data, plots: plots };
${CHART_HELPERS_JS}
  var ZONE_FILL = ['rgba(46,125,50,0.10)', 'rgba(124,179,66,0.12)', 'rgba(249,168,37,0.14)', 'rgba(198,40,40,0.12)'];
  function el(id) { return document.getElementById('plot-' + id); }

  // Time axes in UTC, as the page's tables: every time plot spans the report's range, ticks at
  // whole seconds or more (the trends' buckets are), labelled as precisely as the span needs.
  var FROM = data.fromMs / 1000, TO = data.toMs / 1000, SPAN = TO - FROM;
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000];
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function isoDate(d) { return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }
  function hms(d) { return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()); }
  function timeLabel(v) {
    var d = new Date(v * 1000);
    if (SPAN <= 600) return hms(d);
    if (SPAN <= 2 * 86400) return hms(d).slice(0, 5);
    if (SPAN <= 14 * 86400) return isoDate(d).slice(5) + ' ' + hms(d).slice(0, 5);
    return isoDate(d);
  }
  var TIME_AXIS_LABEL = SPAN <= 2 * 86400 ? 'time (UTC, from ' + isoDate(new Date(data.fromMs)) + ')' : 'time (UTC)';
  function timeAxis() {
    return axis(TIME_AXIS_LABEL, { space: 80, incrs: TIME_INCRS, values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : timeLabel(v); }); } });
  }
  function timeValue(u, v) { return v == null ? '--' : isoDate(new Date(v * 1000)) + ' ' + hms(new Date(v * 1000)); }
  var TIME_SCALE = { time: true, range: [FROM, TO] };

  // A time-series chart: one series per entry of p.series (label, color, optional dash), x in epoch seconds.
  function timePlot(name, p, yLabel, extra) {
    var node = el(name);
    if (!node || !p || p.t.length === 0) return;
    extra = extra || {};
    var series = [{ label: 'time (UTC)', value: timeValue }].concat(p.series.map(function (s) {
      var o = { label: s.label, stroke: s.color, width: 1.5, value: function (u, v) { return fmt(v, 3); } };
      if (s.dash && s.dash.length) o.dash = s.dash;
      if (extra.paths) o.paths = extra.paths;
      return o;
    }));
    var opts = {
      scales: { x: TIME_SCALE, y: extra.y || {} },
      series: series,
      axes: [timeAxis(), yAxis(yLabel, extra.yAxis || {})],
      plugins: extra.plugins || [],
      height: extra.height || 220,
    };
    if (extra.bands) opts.bands = extra.bands;
    plot(name, opts, [p.t].concat(p.series.map(function (s) { return s.y; })), node);
  }

  var stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
  var t = data.trends;
  if (t) {
    timePlot('velocity', t.velocity, 'velocity RMS (mm/s)');
    // Zones A..D as 1..4, their colours behind the lines.
    var zoneBands = { hooks: { drawClear: [function (u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      for (var z = 1; z <= 4; z++) {
        var y0 = u.valToPos(z + 0.5, 'y', true), y1 = u.valToPos(z - 0.5, 'y', true);
        ctx.fillStyle = ZONE_FILL[z - 1];
        ctx.fillRect(b.left, y0, b.width, y1 - y0);
      }
      ctx.restore();
    }] } };
    timePlot('zone', t.zone, 'ISO 20816-3 zone', {
      y: { range: [0.5, 4.5] },
      yAxis: { splits: function () { return [1, 2, 3, 4]; }, values: function (u, splits) { return splits.map(function (v) { return 'ABCD'.charAt(v - 1); }); } },
      paths: stepped,
      plugins: [zoneBands],
      height: 200,
    });
    timePlot('kurtosis', t.kurtosis, 'kurtosis');
    if (t.evidence.series.length) timePlot('evidence', t.evidence, 'evidence (dB over floor)', { height: 260 });
  }

  var h = data.health;
  if (h) {
    timePlot('anomaly', h.anomaly, 'anomaly score');
    var names = data.stateNames;
    timePlot('state', h.state, 'NE 107 state', {
      y: { range: [-0.5, names.length - 0.5] },
      yAxis: { size: 150, splits: function () { return names.map(function (n, i) { return i; }); }, values: function (u, splits) { return splits.map(function (v) { return names[v] || ''; }); } },
      paths: stepped,
      height: 200,
    });
  }

  // Remaining life: the median with its 90 % interval shaded between the bounds (a fan chart).
  var r = data.rul;
  if (r && el('rul')) {
    plot('rul', {
      scales: { x: TIME_SCALE, y: { range: function (u, lo, hi) { return [0, Math.max(hi, 1e-9) * 1.05]; } } },
      series: [
        { label: 'time (UTC)', value: timeValue },
        // The legend says which basis each estimate rests on (fleet life distribution or the machine's own trend).
        { label: 'median (' + r.unit + ')', stroke: '#1f5fa8', width: 2, value: function (u, v, si, i) { return v == null ? '--' : fmt(v, 2) + (r.basis[i] ? ' · ' + r.basis[i] : ''); } },
        { label: '5 % (' + r.unit + ')', stroke: 'rgba(31,95,168,0.45)', width: 1, value: function (u, v) { return fmt(v, 2); } },
        { label: '95 % (' + r.unit + ')', stroke: 'rgba(31,95,168,0.45)', width: 1, value: function (u, v) { return fmt(v, 2); } },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(31,95,168,0.18)' }],
      axes: [timeAxis(), yAxis('remaining life (' + r.unit + ')')],
      height: 280,
    }, [r.t, r.median, r.lower, r.upper], el('rul'));
  }

  // Latest spectra: amplitude with 1X..10X, envelope with the defect families' harmonics.
  data.spectra.forEach(function (s, i) {
    var node = el('spectrum-' + i);
    if (!node) return;
    var x = range(s.y.length, function (k) { return s.startHz + k * s.stepHz; });
    var amplitude = s.kind === 'amplitude';
    var label = amplitude ? 'amplitude (g peak)' : 'squared envelope (g²)';
    var u = plot(s.kind + ' ' + s.channel, {
      scales: { x: { time: false, range: [s.startHz, s.initialMaxHz] } },
      series: [
        { label: 'frequency (Hz)', value: function (u, v) { return fmt(v, 2); } },
        { label: label, stroke: amplitude ? '#1f5fa8' : '#222222', width: 1.25, points: { show: false }, value: function (u, v) { return fmt(v, 6); } },
      ],
      axes: [axis('frequency (Hz)'), yAxis(label)],
      plugins: [markerPlugin(function () { return s.markers; })],
      height: 260,
    }, [x, s.y], node);
    var box = document.querySelector('input[data-full-band="' + i + '"]');
    if (box) box.addEventListener('change', function () { u.setScale('x', { min: s.startHz, max: box.checked ? s.maxHz : s.initialMaxHz }); });
  });

  document.body.dataset.ready = 'true';
})();
`;
