/* Participation charts: data come from a <script type="application/json" id="chart-data"> block. */
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  if (!block || !window.echarts) return;
  var data = JSON.parse(block.textContent);
  var names = data.series || {};
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var d = data[el.getAttribute("data-chart")];
    if (!d) return;
    var series = [{ name: names.times, type: "bar", data: d.times }];
    if (d.people) series.push({ name: names.people, type: "line", data: d.people });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: d.people ? {} : undefined,
      grid: { left: 40, right: 16, top: 32, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
