// Dealer file exports and renders: poll the job's JSON status and move the progress bar. The job's
// state lives on the server, so reloading the page simply picks the polling up again.
(function () {
  "use strict";

  function poll(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var status = box.querySelector("[data-export-status]");
    var count = box.querySelector("[data-export-count]");
    var link = document.querySelector("[data-export-download]");

    function update(data) {
      bar.max = data.total || 1;
      bar.value = data.total ? data.done : (data.finished ? 1 : 0);
      bar.textContent = data.percent + "%";
      status.textContent = data.label;
      count.textContent = data.done + " / " + data.total;
      if (data.download && link) {
        link.href = data.download;
        link.classList.remove("d-none");
      }
      if (data.finished) {
        box.setAttribute("data-finished", "1");
        if (data.status === "failed" || box.hasAttribute("data-reload-when-finished")) {
          window.location.reload();
        }
        return;
      }
      window.setTimeout(tick, 1000);
    }

    function tick() {
      window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
        .then(update)
        .catch(function () { window.setTimeout(tick, 3000); });
    }

    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("export-progress");
    if (box && window.fetch && box.getAttribute("data-finished") !== "1") { poll(box); }
  });
})();
