// Draws the assistance trend charts from <script type="application/json"> blocks (no inline script:
// the Content-Security-Policy forbids it). Each element with data-chart="ID" reads the JSON in #ID.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    el.style.height = "22rem";
    el.style.width = "100%";
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 60, right: 16, top: 48, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: data.title },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.data.map(Number) };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
