// Bar chart of the PAR results; the same numbers are in the table below it (WCAG: the table is the source).
(function () {
  var holder = document.getElementById("par-chart-data");
  var canvas = document.getElementById("par-chart");
  if (!holder || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(holder.textContent);
  if (!data.labels.length) return;
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.title, data: data.scores, backgroundColor: "#0d6efd" }] },
    options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, scales: { x: { min: 0, max: data.max } } }
  });
})();
