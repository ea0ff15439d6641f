/**
 * The drawing helpers every report's browser script shares, as script text spliced into each
 * script's function body (report-client.ts, machine-report-client.ts): axes with the house fonts
 * and grid, tick labels with the decimals their step needs, vertical markers with labels that do
 * not overlap, and `plot(name, opts, data, el)`, which sizes a uPlot chart to its element and
 * registers it in the enclosing script's `plots` (so the browser tests read every plot through
 * uPlot's API).
 *
 * Kept as a string (no backquote, dollar-brace or backslash inside, so it is the script verbatim)
 * because the type checker has no DOM library here; the browser tests (test/unit/reports and the
 * machine report's) are what check it. Expects `plots` in scope.
 */
export const CHART_HELPERS_JS = `
  var FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
  var LABEL_FONT = 'bold 12px system-ui, -apple-system, "Segoe UI", sans-serif';
  var GRID = { stroke: '#e3e6ea', width: 1 };
  var TICKS = { stroke: '#b8bec6', width: 1, size: 4 };

  function range(n, f) { var a = new Array(n); for (var i = 0; i < n; i++) a[i] = f(i); return a; }
  function width(el) { return Math.max(480, Math.min(1200, el.clientWidth)); }
  function fmt(v, digits) {
    if (v == null || !isFinite(v)) return '';
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    return v.toFixed(digits);
  }
  // Tick labels with as many decimals as the tick step needs (uPlot's default rounds 1e-6 g² to
  // 0), in exponent form below 1e-3.
  function ticks(u, splits) {
    var step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : Math.abs(splits[0] || 1);
    if (step > 0 && step < 1e-3) return splits.map(function (v) { return v == null ? '' : v === 0 ? '0' : v.toExponential(1); });
    // As many decimals as the step has (0.0025 needs 4, 0.5 needs 1).
    var decimals = 0;
    while (decimals < 8 && Math.abs(Math.round(step * Math.pow(10, decimals)) - step * Math.pow(10, decimals)) > 1e-6 * step * Math.pow(10, decimals)) decimals++;
    return splits.map(function (v) { return v == null ? '' : v.toFixed(decimals); });
  }
  function axis(label, extra) {
    var a = { label: label, font: FONT, labelFont: LABEL_FONT, grid: GRID, ticks: TICKS, stroke: '#333' };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  function yAxis(label, extra) {
    var a = axis(label, extra);
    if (!a.values) a.values = ticks;
    if (!a.size) a.size = 70;
    return a;
  }

  // Vertical markers: lines under the data (drawClear), labels over it (draw), clipped to the plot area.
  function markerPlugin(list) {
    function visible() { return list().filter(function (m) { return m.show !== false; }); }
    function line(u) {
      var ctx = u.ctx, b = u.bbox, dpr = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      visible().forEach(function (m) {
        var x = Math.round(u.valToPos(m.hz, 'x', true)) + 0.5;
        if (x < b.left || x > b.left + b.width) return;
        ctx.beginPath();
        ctx.strokeStyle = m.color;
        ctx.globalAlpha = m.strong ? 0.9 : 0.6;
        ctx.lineWidth = (m.strong ? 1.5 : 1) * dpr;
        ctx.setLineDash(m.strong ? [] : [4 * dpr, 3 * dpr]);
        ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
      });
      ctx.restore();
    }
    function labels(u) {
      var ctx = u.ctx, b = u.bbox, dpr = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      // Per label row, where the last label ended: a label that would overlap it is left out
      // (its line stays), so zooming in brings it back.
      var ends = {};
      visible().forEach(function (m) {
        var x = Math.round(u.valToPos(m.hz, 'x', true)) + 0.5;
        if (x < b.left || x > b.left + b.width) return;
        var row = m.row || 0;
        var y = b.top + (2 + 13 * row) * dpr;
        var w = ctx.measureText(m.label).width;
        if (ends[row] !== undefined && x < ends[row]) return;
        ends[row] = x + w + 8 * dpr;
        ctx.globalAlpha = 0.85; ctx.fillStyle = '#fff';
        ctx.fillRect(x + 2 * dpr, y - 1 * dpr, w + 3 * dpr, 13 * dpr);
        ctx.globalAlpha = 1; ctx.fillStyle = m.color;
        ctx.fillText(m.label, x + 3.5 * dpr, y);
      });
      ctx.restore();
    }
    return { hooks: { drawClear: [line], draw: [labels] } };
  }

  function plot(name, opts, d, el) {
    opts.width = width(el);
    opts.height = opts.height || 300;
    opts.cursor = opts.cursor || { drag: { x: true, y: false } };
    var u = new uPlot(opts, d, el);
    plots[name] = u;
    return u;
  }

`;
