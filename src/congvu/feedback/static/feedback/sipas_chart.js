// The SIPAS bar chart: the figures come from the page's json_script block; the same numbers are in the table
// below the chart, which is what screen readers use (the canvas is aria-hidden).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("sipas-chart-data");
    var canvas = document.getElementById("sipas-chart");
    if (!source || !canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var datasets = [{ label: canvas.dataset.computedLabel, data: data.values, backgroundColor: "#0d6efd" }];
    if (data.official && data.official.length) {
      datasets.push({ label: canvas.dataset.officialLabel, data: data.official, backgroundColor: "#6c757d" });
    }
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
