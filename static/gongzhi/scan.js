/* Staff scan page: read a cloud check-in card's QR code with the phone camera where the browser has
   the BarcodeDetector API; otherwise (or when the camera is refused) the code is typed or entered by
   a USB scanner into the form, which htmx submits. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-token");
  var video = document.getElementById("scan-video");
  var button = document.getElementById("scan-start");
  if (!form || !input || !video || !button) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;

  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var last = "";
  var lastAt = 0;

  function tokenFrom(raw) {
    // A card QR may hold the bare token or a URL ending in it.
    var text = String(raw || "").trim();
    var match = text.match(/([A-Za-z0-9_-]{16,64})\/?$/);
    return match ? match[1] : text;
  }

  function tick() {
    if (video.readyState < 2) { window.requestAnimationFrame(tick); return; }
    detector.detect(video).then(function (codes) {
      if (codes.length) {
        var token = tokenFrom(codes[0].rawValue);
        var now = Date.now();
        // The same card in front of the camera is read many times a second: scan it once per 4 s.
        if (token && (token !== last || now - lastAt > 4000)) {
          last = token; lastAt = now;
          input.value = token;
          form.requestSubmit();
        }
      }
      window.setTimeout(tick, 250);
    }).catch(function () { window.setTimeout(tick, 500); });
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream; video.hidden = false; button.hidden = true;
        return video.play();
      })
      .then(tick)
      .catch(function () { button.hidden = true; input.focus(); });
  });
  document.body.addEventListener("htmx:afterRequest", function () { input.value = ""; input.focus(); });
})();
