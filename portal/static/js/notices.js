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

  document.addEventListener("DOMContentLoaded", function () {
    markRead();
    document.querySelectorAll("[data-notice-form]").forEach(audienceParts);
  });
})();
