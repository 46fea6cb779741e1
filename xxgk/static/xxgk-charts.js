/* xxgk archive charts: draws every <canvas data-xxgk-spec="ID"> from the JSON in
   <script type="application/json" id="ID"> with the vendored Chart.js (no network).
   Spec (xxgk/ui.py series / distribution): kind "line" | "bar", labels, values, label, unit,
   title, report_paths. Drawn charts are kept in window.xxgkCharts by canvas id. */
(function () {
  "use strict";
  var charts = (window.xxgkCharts = window.xxgkCharts || {});

  function number(v) {
    return v === null || v === undefined ? "—" : Number(v).toLocaleString("zh-CN");
  }

  // A line over the years gets every year between the first and the last, so a year without
  // a report is a gap in the axis, not two neighbouring points.
  function yearly(spec) {
    var years = spec.labels.map(Number), labels = [], values = [], paths = [];
    if (!years.length || years.some(isNaN)) { return spec; }
    for (var y = years[0]; y <= years[years.length - 1]; y++) {
      var i = years.indexOf(y);
      labels.push(y);
      values.push(i < 0 ? null : spec.values[i]);
      paths.push(i < 0 ? null : (spec.report_paths || [])[i]);
    }
    return Object.assign({}, spec, { labels: labels, values: values, report_paths: paths });
  }

  function config(spec) {
    var line = spec.kind === "line";
    if (line) { spec = yearly(spec); }
    var label = spec.label + (spec.unit ? "（" + spec.unit + "）" : "");
    var axis = spec.unit || "";
    return {
      type: line ? "line" : "bar",
      data: {
        labels: spec.labels.map(String),
        datasets: [{
          label: label,
          data: spec.values,
          // a missing year (no report, or 未填报) breaks the line: never drawn across
          spanGaps: false,
          borderColor: "#1d4ed8",
          backgroundColor: line ? "rgba(29, 78, 216, 0.12)" : "rgba(29, 78, 216, 0.75)",
          pointRadius: line ? 4 : 0,
          pointHoverRadius: 6,
          borderWidth: line ? 2 : 0,
          fill: line
        }]
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: line ? "x" : "y",
        plugins: {
          title: { display: !!spec.title, text: spec.title, font: { size: 14 } },
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return label + ": " + number(ctx.raw); } } }
        },
        scales: line
          ? { y: { beginAtZero: true, title: { display: !!axis, text: axis } } }
          : { x: { beginAtZero: true, title: { display: !!axis, text: axis } }, y: { ticks: { autoSkip: false } } },
        onClick: function (event, elements) {
          if (elements.length && spec.report_paths && spec.report_paths[elements[0].index]) {
            window.location.href = spec.report_paths[elements[0].index];
          }
        }
      }
    };
  }

  // Years from the first to the last without a figure (the line breaks there).
  function gaps(spec) {
    if (spec.kind !== "line") { return []; }
    var full = yearly(spec), out = [];
    full.values.forEach(function (v, i) { if (v === null || v === undefined) { out.push(full.labels[i]); } });
    return out;
  }
  window.xxgkGaps = gaps;

  function describeGaps(canvas, spec) {
    var box = document.getElementById(canvas.id + "-gaps");
    if (!box) { return; }
    var missing = gaps(spec);
    box.setAttribute("data-missing", String(missing.length));
    box.textContent = missing.length
      ? missing.length + " 个年度没有数字（没有报告或未填报，线在此断开）：" + missing.join("、") +
        " / " + missing.length + " years without a figure: the line breaks there."
      : "每个年度都有数字 / a figure for every year.";
  }

  function size(canvas, spec) {
    // bars: one row of 30 px per agency (set here, not inline: the pages allow no inline style)
    if (spec.kind === "bar" && canvas.parentNode) {
      canvas.parentNode.style.height = Math.max(300, 30 * spec.values.length + 90) + "px";
    }
  }

  function draw(canvas, spec) {
    if (charts[canvas.id]) { charts[canvas.id].destroy(); }
    size(canvas, spec);
    describeGaps(canvas, spec);
    charts[canvas.id] = new window.Chart(canvas, config(spec));
    canvas.setAttribute("data-points", String(spec.values.filter(function (v) { return v !== null; }).length));
    canvas.setAttribute("data-drawn", spec.indicator || "");
    return charts[canvas.id];
  }
  window.xxgkDraw = draw;

  function start() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-xxgk-spec]").forEach(function (canvas) {
      var data = JSON.parse(document.getElementById(canvas.getAttribute("data-xxgk-spec")).textContent);
      var key = canvas.getAttribute("data-xxgk-key");
      var spec = key ? data[key] : data;   // the agency page holds every indicator's series
      if (spec) { draw(canvas, spec); }
      if (!key) { return; }
      var select = document.querySelector('select[data-xxgk-series-select="' + canvas.id + '"]');
      if (!select) { return; }
      select.addEventListener("change", function () {
        var chosen = data[select.value];
        if (!chosen) { return; }
        draw(canvas, chosen);
        canvas.setAttribute("data-xxgk-key", select.value);
        var url = new URL(window.location.href);
        url.searchParams.set("indicator", select.value);
        window.history.replaceState(null, "", url.toString());
        var link = document.getElementById(canvas.id + "-link");
        if (link) {
          var target = new URL(link.href, window.location.href);
          target.searchParams.set("indicator", select.value);
          link.href = target.toString();
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
