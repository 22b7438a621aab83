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

  // The map of the units below: their GeoJSON boundaries (no map tiles), coloured by the measure
  // chosen in the <select data-map-measure> (the large screen keeps the default measure).
  var mapSource = document.getElementById("dashboard-map");
  var mapEl = document.querySelector('[data-chart="map"]');
  if (mapSource && mapEl) {
    var map = JSON.parse(mapSource.textContent);
    var labels = {};
    map.geojson.features.forEach(function (f) { labels[f.properties.name] = f.properties.label; });
    window.echarts.registerMap("gongzhi-units", map.geojson);
    var mapChart = window.echarts.init(mapEl, theme);
    var select = document.querySelector("[data-map-measure]");
    var colour = function (key) {
      var measure = map.measures.filter(function (m) { return m.key === key; })[0] || map.measures[0];
      if (!measure) { return; }
      var data = Object.keys(measure.values).map(function (id) {
        return { name: id, value: measure.values[id] };
      });
      var values = data.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
      var max = values.length ? Math.max.apply(null, values) : 0;
      // Start the scale at the smallest unit so that close figures still differ in colour.
      var min = values.length ? Math.min.apply(null, values) : 0;
      if (min >= max) { min = 0; }
      var suffix = measure.unit === "%" ? "%" : "";
      mapChart.setOption({
        backgroundColor: screen ? "transparent" : undefined,
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var v = p.value === null || p.value === undefined || isNaN(p.value) ? "—" : p.value + suffix;
            return (labels[p.name] || p.name) + "<br>" + measure.label + ": " + v;
          }
        },
        visualMap: {
          min: min, max: max > min ? max : min + 1, calculable: true, left: 8, bottom: 8,
          text: [String(max) + suffix, String(min) + suffix],
          inRange: { color: ["#fdecea", "#e57373", "#8e1b1b"] },
          textStyle: { color: screen ? "#e8eef5" : "#333" }
        },
        series: [{
          type: "map", map: "gongzhi-units", roam: true, aspectScale: 0.87,
          label: { show: true, formatter: function (p) { return labels[p.name] || p.name; } },
          itemStyle: { borderColor: "#555", areaColor: "#eee" },
          emphasis: { label: { show: true } },
          data: data
        }]
      }, true);
    };
    colour(select ? select.value : map["default"]);
    if (select) { select.addEventListener("change", function () { colour(select.value); }); }
    charts.push(mapChart);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
