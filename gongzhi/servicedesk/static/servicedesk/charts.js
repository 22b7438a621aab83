// Service desk charts: ECharts (vendored) initialised from a JSON block; no inline script (CSP).
(function () {
  "use strict";
  function init() {
    var data = document.getElementById("sd-chart-data");
    if (!data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var months = document.getElementById("sd-chart-months");
    if (months) {
      window.echarts.init(months).setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [d.last_year, d.year] },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value" },
        series: [
          { name: d.last_year, type: "bar", data: d.last, itemStyle: { color: "#c9c2bb" } },
          { name: d.year, type: "bar", data: d["this"], itemStyle: { color: "#b3261e" } }
        ]
      });
    }
    var cats = document.getElementById("sd-chart-categories");
    if (cats) {
      window.echarts.init(cats).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"],
          data: d.categories.map(function (c) { return { name: c[0], value: c[1] }; }) }]
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
