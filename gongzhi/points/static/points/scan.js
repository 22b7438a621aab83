// The counter's card scanner: the phone camera and the BarcodeDetector API where the browser has
// it; otherwise the page keeps its manual entry (card code or phone number). No inline script.
// After a card read by the camera, the answer page opens the camera again by itself
// (data-scan-autostart), so a queue at an activity's door is checked in card after card.
(function () {
  "use strict";
  var box = document.querySelector("[data-scanner]");
  var start = document.querySelector("[data-scan-start]");
  var form = document.querySelector("[data-scan-form]");
  if (!box || !start || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var input = form.querySelector("[data-scan-target]");
  var cameraFlag = form.querySelector("[data-scan-camera]");
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  start.hidden = false;
  var open = function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        box.hidden = false;
        start.hidden = true;
        video.srcObject = stream;
        video.play();
        var done = false;
        var tick = function () {
          if (done) return;
          detector
            .detect(video)
            .then(function (codes) {
              if (codes.length && codes[0].rawValue) {
                done = true;
                var value = codes[0].rawValue;
                // A card QR may hold a URL ending in the token: keep the last path segment.
                var parts = value.split("/").filter(Boolean);
                input.value = parts.length ? parts[parts.length - 1] : value;
                if (cameraFlag) cameraFlag.value = "1";
                stream.getTracks().forEach(function (t) { t.stop(); });
                form.requestSubmit ? form.requestSubmit() : form.submit();
              } else {
                window.setTimeout(tick, 250);
              }
            })
            .catch(function () { window.setTimeout(tick, 500); });
        };
        tick();
      })
      .catch(function (err) {
        status.textContent = String(err && err.message ? err.message : err);
        box.hidden = false;
      });
  };
  start.addEventListener("click", open);
  if (box.hasAttribute("data-scan-autostart")) open();
})();
