/* congvu dashboards: draw every <canvas data-chart="<id of a json_script>"> with Chart.js.
   The numbers of each chart are also in a table next to it (WCAG 1.1.1): the canvas is decorative for screen
   readers (aria-hidden) and the table is the accessible version. Data: {type, labels, percent, datasets:
   [{label, data}]}; null values are gaps (a month without dossiers has no on-time rate). */
(function () {
  "use strict";
  var PALETTE = ["#0b5ed7", "#b02a37", "#146c43", "#997404", "#6f42c1", "#0a7a8f"];

  function formatter(percent) {
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      return percent ? value.toLocaleString("vi-VN", {maximumFractionDigits: 1}) + "%" : value.toLocaleString("vi-VN");
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var format = formatter(spec.percent);
    var horizontal = spec.type === "hbar";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = set.color || PALETTE[i % PALETTE.length];
      return {label: set.label, data: set.data, borderColor: colour, backgroundColor: spec.type === "line" ? colour : colour + "cc",
              spanGaps: false, tension: 0.2, pointRadius: 3};
    });
    var valueAxis = {beginAtZero: true, ticks: {callback: format}};
    if (spec.percent) { valueAxis.max = 100; }
    var chart = new Chart(canvas, {
      type: horizontal ? "bar" : spec.type,
      data: {labels: spec.labels, datasets: datasets},
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: horizontal ? {x: valueAxis} : {y: valueAxis},
        plugins: {legend: {display: datasets.length > 1}, tooltip: {callbacks: {label: function (ctx) {
          return ctx.dataset.label + ": " + format(horizontal ? ctx.parsed.x : ctx.parsed.y);
        }}}}
      }
    });
    canvas.dataset.rendered = "true";
    return chart;
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
