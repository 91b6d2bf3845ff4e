// Swagger UI for /api/v1/docs: reads the document's URL from the page (no inline script).
(function () {
  "use strict";
  var holder = document.getElementById("api-docs");
  if (!holder || typeof window.SwaggerUIBundle !== "function") {
    return;
  }

  // What Swagger UI leaves out for keyboards and screen readers, added as it renders:
  // a name on each parameter's field (the parameter's), and a tab stop on code samples
  // that scroll (so a keyboard can scroll them).
  function mend() {
    var rows = holder.querySelectorAll("tr[data-param-name]");
    for (var i = 0; i < rows.length; i += 1) {
      var name = rows[i].getAttribute("data-param-name");
      var fields = rows[i].querySelectorAll("select, input, textarea");
      for (var j = 0; j < fields.length; j += 1) {
        if (!fields[j].hasAttribute("aria-label") && !fields[j].labels.length) {
          fields[j].setAttribute("aria-label", name);
        }
      }
    }
    var samples = holder.querySelectorAll("pre:not([tabindex])");
    for (var k = 0; k < samples.length; k += 1) {
      samples[k].setAttribute("tabindex", "0");
    }
    // The dialog's close button shows only an icon; its other buttons keep the name they show.
    var closers = holder.querySelectorAll("button.close-modal:not([aria-label])");
    for (var m = 0; m < closers.length; m += 1) {
      closers[m].setAttribute("aria-label", holder.getAttribute("data-close-label"));
    }
    var named = holder.querySelectorAll(".modal-ux button[aria-label]:not(.close-modal)");
    for (var n = 0; n < named.length; n += 1) {
      var shown = named[n].textContent.trim();
      if (shown && named[n].getAttribute("aria-label").indexOf(shown) === -1) {
        named[n].removeAttribute("aria-label");
      }
    }
  }
  new MutationObserver(mend).observe(holder, { childList: true, subtree: true });

  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec-url"),
    domNode: holder,
    // No deep links: they put a link inside each operation's toggle button (a focusable
    // control within another, which screen readers and keyboards handle badly).
    deepLinking: false,
    tryItOutEnabled: false,
    // Plain code samples: the highlighter's colours fall short of AA contrast.
    syntaxHighlight: false,
    validatorUrl: null
  });
})();
