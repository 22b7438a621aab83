// Draws the cockpit charts (ECharts, vendored) from the <script type="application/json"
// id="dashboard-chart"> block; no inline script (the Content-Security-Policy forbids it).
// On the large screen (body[data-refresh-seconds]) it uses the dark theme, ticks the clock and
// reloads the page every few minutes.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart");
  var screen = document.body.hasAttribute("data-refresh-seconds");
  if (screen) {
    var seconds = parseInt(document.body.getAttribute("data-refresh-seconds"), 10) || 300;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
    var clock = document.querySelector("[data-clock]");
    if (clock) {
      window.setInterval(function () {
        var d = new Date();
        clock.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
      }, 15000);
    }
  }
  if (!window.echarts || !source) { return; }
  var data = JSON.parse(source.textContent);
  var theme = screen ? "dark" : null;
  var charts = [];

  function draw(name, option) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) { return; }
    var chart = window.echarts.init(el, theme);
    if (screen) { option.backgroundColor = "transparent"; }
    chart.setOption(option);
    charts.push(chart);
  }

  var trend = data.trend || { months: [], series: [] };
  draw("trend", {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 56, right: 16, top: 48, bottom: 32 },
    xAxis: { type: "category", data: trend.months },
    yAxis: { type: "value" },
    series: trend.series.map(function (s) {
      var thisYear = String(s.year) === data.labels.this_year;
      return { name: s.name, type: "line", smooth: true, data: s.data,
               lineStyle: { type: thisYear ? "solid" : "dashed" } };
    })
  });

  var breakdown = data.breakdown || { units: [], series: [] };
  draw("breakdown", {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 56, right: 16, top: 48, bottom: 64 },
    xAxis: { type: "category", data: breakdown.units, axisLabel: { interval: 0, rotate: breakdown.units.length > 6 ? 30 : 0 } },
    yAxis: { type: "value" },
    series: breakdown.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  });

  var yoy = data.yoy || { labels: [], data: [] };
  draw("yoy", {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
    grid: { left: 160, right: 24, top: 16, bottom: 32 },
    xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: yoy.labels, inverse: true },
    series: [{
      type: "bar",
      data: yoy.data.map(function (v) {
        return { value: v, itemStyle: { color: v >= 0 ? "#1e6b35" : "#b3261e" } };
      }),
      label: { show: true, position: "right", formatter: "{c}%" }
    }]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
