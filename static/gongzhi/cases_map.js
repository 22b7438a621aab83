// Cases: the location picker. A plain map of latitude and longitude (no base layer: the target
// networks are closed to tile servers) with the community's open cases as dots; a tap marks the
// place and fills the form's lat/long fields, which also asks for nearby duplicates.
(function () {
  "use strict";
  var SPAN = 0.006; // about 650 m of latitude each side of the centre

  function init(box) {
    var canvas = box.querySelector("[data-case-map-canvas]");
    var form = box.closest("form");
    if (!canvas || !form || !window.echarts) { return; }
    var lat = form.querySelector("[name=lat]");
    var lng = form.querySelector("[name=long]");
    var unit = form.querySelector("[name=community]") || form.querySelector("[name=org_unit]");
    var chart = window.echarts.init(canvas);
    var points = [];
    var centre = [29.65, 91.13];
    var fromMap = false;

    function picked() {
      var a = parseFloat(lat && lat.value), b = parseFloat(lng && lng.value);
      return isNaN(a) || isNaN(b) ? [] : [[b, a]];
    }

    function draw() {
      var c = picked()[0] ? [picked()[0][1], picked()[0][0]] : centre;
      var wide = SPAN / Math.max(0.2, Math.cos(c[0] * Math.PI / 180));
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) { return p.data.name || box.dataset.labelHere; } },
        grid: { left: 56, right: 12, top: 12, bottom: 36 },
        xAxis: { type: "value", min: +(c[1] - wide).toFixed(6), max: +(c[1] + wide).toFixed(6),
                 axisLabel: { formatter: function (v) { return v.toFixed(3); } }, splitLine: { show: true } },
        yAxis: { type: "value", min: +(c[0] - SPAN).toFixed(6), max: +(c[0] + SPAN).toFixed(6),
                 axisLabel: { formatter: function (v) { return v.toFixed(3); } }, splitLine: { show: true } },
        dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" },
                   { type: "inside", yAxisIndex: 0, filterMode: "none" }],
        series: [
          { name: box.dataset.labelOpen, type: "scatter", symbolSize: 10, itemStyle: { color: "#8a8f98" },
            data: points.map(function (p) { return { name: p.name, value: [p.long, p.lat] }; }) },
          { name: box.dataset.labelHere, type: "scatter", symbol: "pin", symbolSize: 34,
            itemStyle: { color: "#c8102e" }, data: picked().map(function (v) { return { value: v }; }) }
        ]
      }, true);
    }

    function load() {
      var url = box.dataset.pointsUrl;
      if (unit && unit.value) { url += "?community=" + encodeURIComponent(unit.value); }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) { return; }
          points = d.points || [];
          centre = d.centre || centre;
          draw();
        });
    }

    chart.getZr().on("click", function (event) {
      var pixel = [event.offsetX, event.offsetY];
      if (!chart.containPixel({ gridIndex: 0 }, pixel)) { return; }
      var value = chart.convertFromPixel({ gridIndex: 0 }, pixel);
      if (lat) { lat.value = value[1].toFixed(6); }
      if (lng) { lng.value = value[0].toFixed(6); }
      var kind = form.querySelector("[name=location_kind][value=point]");
      if (kind) { kind.checked = true; }
      chart.setOption({ series: [{}, { data: picked().map(function (v) { return { value: v }; }) }] });
      fromMap = true;
      if (lat) { lat.dispatchEvent(new Event("change", { bubbles: true })); }
      fromMap = false;
    });
    [lat, lng].forEach(function (field) {
      if (field) { field.addEventListener("change", function () { if (!fromMap && picked().length) { draw(); } }); }
    });
    if (unit) { unit.addEventListener("change", load); }
    window.addEventListener("resize", function () { chart.resize(); });
    load();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-case-map]"), init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
