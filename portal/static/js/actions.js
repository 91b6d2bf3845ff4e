// A dealer's response to a corrective action, from a phone: what was done and the evidence
// photos go into the offline queue (static/js/offline.js), photos resized on the phone first,
// and are sent for verification when there is a connection, once (the form's token and a key).
// Without JavaScript, or with an empty comment, the form posts as usual and the server says
// what is missing.
(function () {
  "use strict";

  var form = document.querySelector("[data-evidence-form]");
  var queue = window.PortalOffline;
  if (!form || !queue) { return; }
  var maxEdge = Number(form.getAttribute("data-max-edge")) || 4096;
  var waiting = form.querySelector("[data-evidence-waiting]");
  var button = form.querySelector("[type=submit]");

  function mine(change) { return change.kind === "evidence" && change.url === form.action; }

  function show(list) {
    var kept = list.some(mine);
    waiting.classList.toggle("d-none", !kept);
    button.disabled = kept;
  }

  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented || !form.elements.comment.value.trim()) { return; }
    event.preventDefault();
    button.disabled = true;
    var files = Array.prototype.slice.call(form.elements.photos.files || []);
    Promise.all(files.map(function (file) { return queue.resize(file, maxEdge); }))
      .then(function (blobs) {
        return queue.queueEvidence({
          url: form.action,
          label: form.getAttribute("data-label"),
          fields: { comment: form.elements.comment.value, token: form.elements.token.value },
          files: blobs.map(function (blob, index) { return { blob: blob, name: files[index].name }; })
        });
      });
  });

  document.addEventListener("portal:offline-changed", function (event) { show(event.detail); });
  document.addEventListener("portal:offline-sent", function (event) {
    if (mine(event.detail.change)) { window.location.assign(event.detail.data.url); }
  });
  queue.changes().then(show);
})();
