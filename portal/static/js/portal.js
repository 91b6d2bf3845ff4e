// Small progressive enhancements. Everything works without JavaScript.
(function () {
  "use strict";

  // Confirm destructive POST buttons: <form data-confirm="Question?">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Forms marked data-autosubmit submit when a select changes (the button stays for no-JS).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.tagName === "SELECT" && field.form && field.form.hasAttribute("data-autosubmit")) {
      field.form.submit();
    }
  });

  // A form that came back with errors: move focus to its summary, which links each field.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Prevent double submits: disable submit buttons once a form is on its way.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var buttons = event.target.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
