// Notices: mark a notice read when a dealer opens it by its address, and show only the
// audience fields that matter in the editor. Everything works without JavaScript.
(function () {
  "use strict";

  function markRead() {
    var marker = document.getElementById("notice-read");
    if (!marker || !window.fetch) { return; }
    var body = new URLSearchParams();
    body.append("csrf_token", marker.getAttribute("data-csrf"));
    window.fetch(marker.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": marker.getAttribute("data-csrf") },
      body: body
    }).catch(function () { /* reading still works; the inbox Open button also marks it */ });
  }

  function audienceParts(form) {
    var choices = form.querySelectorAll("[data-audience-choice]");
    var parts = form.querySelectorAll("[data-audience-part]");
    function update() {
      var chosen = "";
      choices.forEach(function (choice) { if (choice.checked) { chosen = choice.value; } });
      parts.forEach(function (part) {
        var wanted = part.getAttribute("data-audience-part").split(" ");
        part.hidden = wanted.indexOf(chosen) === -1;
      });
    }
    choices.forEach(function (choice) { choice.addEventListener("change", update); });
    update();
  }

  // A store's execution report from a phone: it goes into the offline queue
  // (static/js/offline.js), its photo resized on the phone first, and is sent when there is a
  // connection. The server keeps one report per store and version, so a resend changes
  // nothing. "Not possible" without a reason posts as usual and the page says what is missing.
  function queueExecutionReports() {
    var queue = window.PortalOffline;
    var forms = document.querySelectorAll("[data-execution-form]");
    if (!queue || !forms.length) { return; }

    function waitingNote(form) { return form.closest(".card-body").querySelector("[data-execution-waiting]"); }

    function show(list) {
      forms.forEach(function (form) {
        var kept = list.some(function (c) { return c.kind === "proof" && c.url === form.action; });
        waitingNote(form).classList.toggle("d-none", !kept);
        form.querySelector("[type=submit]").disabled = kept;
      });
    }

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute || !form.hasAttribute("data-execution-form") || event.defaultPrevented) { return; }
      var status = form.elements.status.value;
      if (status === "not_possible" && !form.elements.reason.value.trim()) { return; }
      event.preventDefault();
      form.querySelector("[type=submit]").disabled = true;
      var chosen = form.elements.photo && form.elements.photo.files[0];
      var maxEdge = Number(form.getAttribute("data-max-edge")) || 4096;
      (chosen ? queue.resize(chosen, maxEdge) : Promise.resolve(null)).then(function (blob) {
        return queue.queueReport({
          url: form.action,
          label: form.getAttribute("data-label"),
          fields: {
            version: form.elements.version.value,
            status: status,
            reason: form.elements.reason ? form.elements.reason.value : ""
          },
          files: blob ? [{ blob: blob, name: chosen.name }] : [],
          field: "photo"
        });
      });
    });
    document.addEventListener("portal:offline-changed", function (event) { show(event.detail); });
    document.addEventListener("portal:offline-sent", function (event) {
      var change = event.detail.change;
      if (change.kind === "proof" && Array.prototype.some.call(forms, function (f) { return f.action === change.url; })) {
        var target = new URL(event.detail.data.url, window.location.href);
        if (target.pathname === window.location.pathname) {
          window.location.reload();  // the same page (an anchor alone would not load it again)
        } else {
          window.location.assign(target.href);
        }
      }
    });
    queue.changes().then(show);
  }

  document.addEventListener("DOMContentLoaded", function () {
    markRead();
    document.querySelectorAll("[data-notice-form]").forEach(audienceParts);
    queueExecutionReports();
  });
})();
