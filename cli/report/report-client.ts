/**
 * The script an analysis report runs in the browser: it reads the data embedded in the page
 * (#pdm-data, built by analysis-report.ts) and draws the plots with uPlot (inlined before it).
 * Markers, the analysed segment's span and the kurtogram's cells are drawn in uPlot's draw hooks,
 * on its canvas, with its value-to-pixel mapping: the library does the plotting, the hooks only
 * add what a vibration analyst reads on top of it.
 *
 * Kept as a string (a template literal with no backquote, dollar-brace or backslash inside, so
 * it is the script verbatim) because the type checker has no DOM library here; the browser test
 * (test/unit/reports) is what checks it. It exposes
 * window.pdmReport = { data, plots } so that test can read the plots through uPlot's API.
 * The axes, tick labels, markers and plot registry are the reports' shared helpers (chart-helpers.ts).
 */
import { CHART_HELPERS_JS } from './chart-helpers.ts';

export const REPORT_CLIENT_JS = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pdm-data').textContent);
  var plots = {};
  window.pdmReport = { data: data, plots: plots };
${CHART_HELPERS_JS}
  // Waveform: the whole record; the representative segment's span shaded.
  (function () {
    var w = data.waveform, el = document.getElementById('plot-waveform');
    var x = w.t || range(w.y.length, function (i) { return i * w.dt; });
    var seg = data.segmentSpan;
    var shade = {
      hooks: {
        drawClear: [function (u) {
          if (!seg) return;
          var b = u.bbox, ctx = u.ctx;
          var x0 = u.valToPos(seg[0], 'x', true), x1 = u.valToPos(seg[1], 'x', true);
          ctx.save(); ctx.fillStyle = 'rgba(255, 193, 7, 0.18)';
          ctx.fillRect(x0, b.top, x1 - x0, b.height); ctx.restore();
        }],
      },
    };
    plot('waveform', {
      title: '',
      scales: { x: { time: false } },
      series: [
        { label: 'time (s)', value: function (u, v) { return fmt(v, 4); } },
        { label: 'acceleration (g)', stroke: '#1f5fa8', width: 1, value: function (u, v) { return fmt(v, 4); } },
      ],
      axes: [axis('time (s)'), yAxis('acceleration (g)')],
      plugins: [shade],
      height: 240,
    }, [x, w.y], el);
  })();

  function orderMarkers() { return data.orders.markers; }

  // Spectrum, low orders, linear: where unbalance, misalignment and looseness show.
  (function () {
    var s = data.orders, el = document.getElementById('plot-orders');
    var x = range(s.y.length, function (i) { return i * s.binHz; });
    plot('orders', {
      scales: { x: { time: false, range: [0, s.maxHz] } },
      series: [
        { label: 'frequency (Hz)', value: function (u, v) { return fmt(v, 2); } },
        { label: 'amplitude (g peak)', stroke: '#1f5fa8', width: 1.25, value: function (u, v) { return fmt(v, 5); } },
      ],
      axes: [axis('frequency (Hz)'), yAxis('amplitude (g peak)')],
      plugins: [markerPlugin(orderMarkers)],
    }, [x, s.y], el);
  })();

  // Spectrum, whole usable band, logarithmic amplitude: resonances and bearing-excited bands.
  (function () {
    var s = data.spectrum, el = document.getElementById('plot-spectrum');
    plot('spectrum', {
      scales: { x: { time: false }, y: { distr: 3 } },
      series: [
        { label: 'frequency (Hz)', value: function (u, v) { return fmt(v, 1); } },
        { label: 'amplitude (g peak)', stroke: '#1f5fa8', width: 1, value: function (u, v) { return fmt(v, 5); } },
      ],
      axes: [axis('frequency (Hz)'), yAxis('amplitude (g peak)', { values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : v.toExponential(0); }); } })],
      plugins: [data.envelope ? {
        hooks: {
          drawClear: [function (u) {
            var b = u.bbox, ctx = u.ctx, band = data.envelope.bandHz;
            var x0 = u.valToPos(band[0], 'x', true), x1 = u.valToPos(band[1], 'x', true);
            ctx.save(); ctx.fillStyle = 'rgba(255, 193, 7, 0.18)'; ctx.fillRect(x0, b.top, x1 - x0, b.height); ctx.restore();
          }],
        },
      } : { hooks: {} }],
    }, [s.x, s.y], el);
  })();

  // Envelope spectrum with the bearing's defect frequencies and their harmonics; family toggles.
  (function () {
    var e = data.envelope, el = document.getElementById('plot-envelope');
    if (!e) return;
    var x = range(e.y.length, function (i) { return i * e.binHz; });
    var markers = [];
    e.families.forEach(function (f, row) {
      f.harmonics.forEach(function (hz, i) {
        markers.push({ hz: hz, color: f.color, strong: i === 0, row: row, family: f.key, label: i === 0 ? f.label : (i + 1) + '×' });
      });
    });
    // On a logarithmic axis the floor the evidence measures against shows; zeros (bin 0) would not.
    var tiny = Math.max.apply(null, e.y) * 1e-9;
    function positive(a) { return a.map(function (v) { return Math.max(v, tiny); }); }
    var logData = [x, positive(e.y), positive(e.floor)];
    // The log axis spans from two decades under the floor's median (over the span shown) to the
    // highest line: not down to the clamp, nor to the floor's near-zero tail outside the band.
    var shown = e.floor.slice(1, Math.ceil(e.maxHz / e.binHz) + 1).filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var top = Math.max.apply(null, e.y) * 2;
    var logRange = [Math.max(shown.length ? shown[shown.length >> 1] / 100 : tiny, top * 1e-9), top];
    var u;
    function make(log) {
      var zoom = u ? [u.scales.x.min, u.scales.x.max] : [0, e.maxHz];
      if (u) u.destroy();
      u = plot('envelope', {
        scales: { x: { time: false, range: [0, e.maxHz] }, y: log ? { distr: 3, range: logRange } : {} },
        series: [
          { label: 'frequency (Hz)', value: function (u, v) { return fmt(v, 2); } },
          { label: 'squared envelope (g²)', stroke: '#222222', width: 1.25, value: function (u, v) { return fmt(v, 6); } },
          { label: 'noise floor (g²)', stroke: '#8a939d', width: 1.25, dash: [6, 4], value: function (u, v) { return fmt(v, 6); } },
        ],
        axes: [axis('frequency (Hz)'), yAxis('squared envelope (g²)', log ? { values: function (u, splits) { return splits.map(function (v) { return v == null ? '' : v.toExponential(0); }); } } : {})],
        plugins: [markerPlugin(function () { return markers; })],
        height: 340,
      }, log ? logData : [x, e.y, e.floor], el);
      // Keep the reader's zoom across the switch (double-click still resets to the initial span).
      if (zoom[0] != null && zoom[1] != null) u.setScale('x', { min: zoom[0], max: zoom[1] });
    }
    make(false);
    window.pdmReport.envelopeMarkers = markers;
    document.querySelectorAll('input[data-family]').forEach(function (box) {
      box.addEventListener('change', function () {
        markers.forEach(function (m) { if (m.family === box.dataset.family) m.show = box.checked; });
        u.redraw(false);
      });
    });
    var logBox = document.getElementById('envelope-log');
    if (logBox) logBox.addEventListener('change', function () { make(logBox.checked); });
  })();

  // Kurtogram: one row per level (0 at the top), one cell per band, coloured by spectral kurtosis.
  (function () {
    var k = data.kurtogram, el = document.getElementById('plot-kurtogram');
    if (!k) return;
    var rows = k.levels.length;
    var stops = [[0, [68, 1, 84]], [0.25, [59, 82, 139]], [0.5, [33, 145, 140]], [0.75, [94, 201, 98]], [1, [253, 231, 37]]];
    function colour(t) {
      t = Math.max(0, Math.min(1, t));
      for (var i = 1; i < stops.length; i++) {
        if (t <= stops[i][0]) {
          var a = stops[i - 1], b = stops[i], f = (t - a[0]) / (b[0] - a[0]);
          return 'rgb(' + [0, 1, 2].map(function (c) { return Math.round(a[1][c] + f * (b[1][c] - a[1][c])); }).join(',') + ')';
        }
      }
      return 'rgb(253,231,37)';
    }
    function cells(u) {
      var ctx = u.ctx, dpr = devicePixelRatio || 1;
      ctx.save();
      k.cells.forEach(function (c) {
        var row = k.levels.indexOf(c[0]);
        var x0 = u.valToPos(c[1], 'x', true), x1 = u.valToPos(c[2], 'x', true);
        var y0 = u.valToPos(rows - row + 0.5, 'y', true), y1 = u.valToPos(rows - row - 0.5, 'y', true);
        ctx.globalAlpha = c[4] ? 1 : 0.35;
        ctx.fillStyle = colour((c[3] - k.min) / (k.max - k.min || 1));
        ctx.fillRect(x0, y0, x1 - x0 + 0.5, y1 - y0 + 0.5);
      });
      var ch = k.chosen, r = k.levels.indexOf(ch[0]);
      ctx.globalAlpha = 1; ctx.strokeStyle = '#e0002a'; ctx.lineWidth = 2.5 * dpr;
      var cx0 = u.valToPos(ch[1], 'x', true), cx1 = u.valToPos(ch[2], 'x', true);
      var cy0 = u.valToPos(rows - r + 0.5, 'y', true), cy1 = u.valToPos(rows - r - 0.5, 'y', true);
      ctx.strokeRect(cx0, cy0, cx1 - cx0, cy1 - cy0);
      ctx.restore();
    }
    plot('kurtogram', {
      scales: { x: { time: false, range: [0, k.maxHz] }, y: { range: [0.5, rows + 0.5] } },
      series: [{ label: 'frequency (Hz)' }, { label: 'level', show: false }],
      axes: [
        axis('frequency (Hz)'),
        yAxis('level (log₂ bands)', {
          splits: function () { return range(rows, function (i) { return rows - i; }); },
          values: function (u, splits) { return splits.map(function (v) { return String(k.levels[rows - v]); }); },
          grid: { show: false },
        }),
      ],
      legend: { show: false },
      cursor: { show: false },
      plugins: [{ hooks: { draw: [cells] } }],
      height: Math.max(220, 22 * rows + 70),
    }, [[0, k.maxHz], [null, null]], el);
  })();

  document.body.dataset.ready = 'true';
})();
`;
