// Gongzhi's small script: no inline handlers anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // Elements with data-autosubmit submit their form when changed (select filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });
  // Buttons with data-confirm ask before submitting.
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
