// The income-against-plan chart: reads the JSON block written by the page (no inline script).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("income-chart");
    var source = document.getElementById("income-data");
    if (!el || !source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    el.style.height = "22rem";
    var chart = window.echarts.init(el);
    var target = d.months.map(function () { return Math.round(d.monthly_target); });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.months },
      yAxis: [{ type: "value" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: d.labels.expected, type: "bar", data: d.expected },
        { name: d.labels.invoiced, type: "bar", data: d.invoiced },
        { name: d.labels.collected, type: "bar", data: d.collected },
        { name: d.labels.target, type: "line", data: target, symbol: "none", lineStyle: { type: "dashed" } },
        { name: d.labels.occupancy, type: "line", yAxisIndex: 1, data: d.occupancy }
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
