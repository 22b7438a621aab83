/* Offline-tolerant visit form. The form's text fields are kept in localStorage as they are typed;
   a submit while offline is held and sent when the browser is back online; a stored draft is
   restored when the page is opened again. A random client key makes a resubmission count once
   (the server returns the first visit for the same key). Photos cannot be kept offline. */
(function () {
  "use strict";
  var saved = document.querySelector("[data-clear-draft]");
  if (saved && window.localStorage) {
    var k = "gongzhi.care.visit." + saved.getAttribute("data-clear-draft");
    localStorage.removeItem(k);
    localStorage.removeItem(k + ".pending");
  }
  var form = document.querySelector("form[data-offline-key]");
  if (!form || !window.localStorage) return;
  var key = "gongzhi.care.visit." + form.getAttribute("data-offline-key");
  var note = document.getElementById("offline-note");
  var keyField = form.querySelector("input[name=client_key]");
  function newKey() {
    var a = new Uint8Array(12);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) (data[el.name] = data[el.name] || []).push(el.value); }
      else data[el.name] = el.value;
    });
    localStorage.setItem(key, JSON.stringify(data));
  }
  function restore() {
    var raw = localStorage.getItem(key);
    if (!raw) return false;
    var data = JSON.parse(raw);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = data[el.name].indexOf(el.value) >= 0;
      else el.value = data[el.name];
    });
    return true;
  }
  function show(on) { if (note) note.classList.toggle("shown", on); }
  var hasErrors = form.querySelector(".errorlist");
  if (!hasErrors && restore()) show(!navigator.onLine);
  if (keyField && !keyField.value) { keyField.value = newKey(); save(); }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (ev) {
    save();
    if (!navigator.onLine) {
      ev.preventDefault();
      localStorage.setItem(key + ".pending", "1");
      show(true);
      return;
    }
    // The draft stays until the page after a successful save clears it (data-clear-draft), so a
    // connection that drops during the upload loses nothing.
  });
  function resubmit() {
    if (navigator.onLine && localStorage.getItem(key + ".pending")) {
      localStorage.removeItem(key + ".pending");
      form.submit();
    }
  }
  window.addEventListener("online", resubmit);
  if (!hasErrors) resubmit();
  window.addEventListener("offline", function () { show(true); });
})();
