// Cases: "use my location" fills the latitude and longitude fields (Geolocation API).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-geolocate]") : null;
    if (!button) { return; }
    var form = button.form || document;
    var status = document.querySelector("[data-geolocate-status]");
    if (!navigator.geolocation) {
      if (status) { status.textContent = "✗"; }
      return;
    }
    if (status) { status.textContent = "…"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = form.querySelector("[name=lat]");
      var lng = form.querySelector("[name=long]");
      var kind = form.querySelector("[name=location_kind][value=point]");
      if (lat) { lat.value = pos.coords.latitude.toFixed(6); }
      if (lng) { lng.value = pos.coords.longitude.toFixed(6); }
      if (kind) { kind.checked = true; }
      if (status) { status.textContent = "✓ " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5); }
      if (lat) { lat.dispatchEvent(new Event("change", { bubbles: true })); }
    }, function () {
      if (status) { status.textContent = "✗"; }
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
