// Cases metrics: draws the monthly rates from the JSON data block (not executed, so CSP allows it).
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("case-chart");
    var source = document.getElementById("case-chart-data");
    if (!holder || !source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [d.labels.response, d.labels.resolution, d.labels.satisfaction, d.labels.totals] },
      xAxis: { type: "category", data: d.months },
      yAxis: [{ type: "value", min: 0, max: 100, name: "%" }, { type: "value", name: d.labels.totals }],
      series: [
        { name: d.labels.response, type: "line", data: d.response },
        { name: d.labels.resolution, type: "line", data: d.resolution },
        { name: d.labels.satisfaction, type: "line", data: d.satisfaction },
        { name: d.labels.totals, type: "bar", yAxisIndex: 1, data: d.totals, itemStyle: { opacity: 0.3 } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
