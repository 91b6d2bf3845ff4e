// Warn before the session ends for inactivity, so typed work is not lost.
//
// The server renders the seconds left on <body data-session-left>. Two minutes before the
// end a warning offers "Stay signed in" (a POST to the keep-alive endpoint, with the CSRF
// token); once the session has ended it offers to sign in again in a new tab, so this page
// and what is typed in it stay open. Other scripts that talk to the server (the audit
// form) dispatch "portal:session-touched" on document to push the deadline back, and
// "portal:session-lost" when the server answered that the session has ended.
(function () {
  "use strict";

  var body = document.body;
  var box = document.querySelector("[data-session-warning]");
  if (!box || !body.hasAttribute("data-session-left")) { return; }
  var alertBox = box.querySelector("[role=alert]");
  var message = box.querySelector("[data-message]");
  var stay = box.querySelector("[data-stay]");
  var signIn = box.querySelector("[data-sign-in]");
  var warningText = message.textContent;
  var WARN_BEFORE = 120 * 1000;
  var idle = Number(body.getAttribute("data-session-idle")) * 1000;
  var deadline = Date.now() + Number(body.getAttribute("data-session-left")) * 1000;
  var ended = false;

  function show(isEnded) {
    ended = isEnded;
    message.textContent = isEnded ? box.getAttribute("data-ended") : warningText;
    stay.classList.toggle("d-none", isEnded);
    signIn.classList.toggle("d-none", !isEnded);
    alertBox.classList.remove("d-none");
  }

  function hide() {
    alertBox.classList.add("d-none");
  }

  function check() {
    var left = deadline - Date.now();
    if (left <= 0) {
      if (!ended) { show(true); }
    } else if (left <= WARN_BEFORE) {
      if (alertBox.classList.contains("d-none") || ended) { show(false); }
    } else if (!ended) {
      hide();
    }
  }

  function setLeft(seconds) {
    deadline = Date.now() + seconds * 1000;
    ended = false;
    check();
  }

  stay.addEventListener("click", function () {
    stay.disabled = true;
    window.fetch(box.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": box.getAttribute("data-csrf") }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      setLeft(data.seconds_left);
    }).catch(function () {
      show(true);
    }).then(function () { stay.disabled = false; });
  });

  // Signed in again in another tab? Ask the server; a live session brings the new CSRF
  // token, which every form on this page takes over, so nothing typed here is refused.
  function revive() {
    window.fetch(box.getAttribute("data-status-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      box.setAttribute("data-csrf", data.csrf_token);
      document.querySelectorAll("input[name=csrf_token]").forEach(function (input) {
        input.value = data.csrf_token;
      });
      setLeft(data.seconds_left);
      document.dispatchEvent(new CustomEvent("portal:session-renewed"));
    }).catch(function () { /* still signed out: the notice stays */ });
  }
  window.addEventListener("focus", function () { if (ended) { revive(); } });
  document.addEventListener("portal:session-lost", function () {
    if (!ended) { deadline = Date.now(); show(true); }
    revive();
  });

  document.addEventListener("portal:session-touched", function () {
    // The server refreshes its clock at most once a minute: count from a minute earlier.
    setLeft(Math.max(0, idle / 1000 - 60));
  });

  window.setInterval(check, 5000);
  check();
})();
