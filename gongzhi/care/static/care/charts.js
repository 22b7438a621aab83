/* Care charts: the data come from <script type="application/json" id="care-chart-data">.
   [data-care-chart="scores"]: assessment scores over time (lines);
   [data-care-chart="coverage"|"services"]: report bars. */
(function () {
  "use strict";
  var block = document.getElementById("care-chart-data");
  if (!block || !window.echarts) return;
  var data = JSON.parse(block.textContent);
  document.querySelectorAll("[data-care-chart]").forEach(function (el) {
    var key = el.getAttribute("data-care-chart");
    var d = key === "scores" ? data : data[key];
    if (!d) return;
    var names = d.names || {};
    var series = Object.keys(d.series).map(function (k) {
      return { name: names[k] || k, type: key === "scores" ? "line" : "bar", data: d.series[k] };
    });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll" },
      grid: { left: 40, right: 16, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
