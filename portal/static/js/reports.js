// Store report form: live totals of the actuals, and more competitor rows on demand.
// Without JavaScript the form still works (two empty rows come back after each save).
(function () {
  "use strict";

  function parseFigure(text) {
    var value = (text || "").normalize("NFKC").replace(/[\s,]/g, "");
    if (value === "" || !/^[0-9]+(\.[0-9]{1,2})?$/.test(value)) { return 0; }
    return Number(value);
  }

  function format(value, decimals) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
  }

  var table = document.querySelector(".actuals-table");
  if (table) {
    var update = function () {
      ["revenue", "units"].forEach(function (kind) {
        var total = 0;
        table.querySelectorAll("input[data-actual=" + kind + "]").forEach(function (input) {
          total += parseFigure(input.value);
        });
        var cell = table.querySelector("[data-actual-total=" + kind + "]");
        if (cell) { cell.textContent = format(total, kind === "revenue" ? 2 : 0); }
      });
    };
    table.addEventListener("input", update);
    update();
  }

  var rows = document.querySelector("[data-competitor-rows]");
  var add = document.querySelector("[data-add-competitor]");
  if (rows && add) {
    add.classList.remove("d-none");
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll("[data-competitor-row]");
      if (all.length >= 20) { return; }
      var copy = all[all.length - 1].cloneNode(true);
      var next = all.length;
      copy.querySelectorAll("[name], [id], label[for]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) { element.setAttribute(attribute, value.replace(/competitors-\d+-/, "competitors-" + next + "-")); }
        });
        if (element.tagName === "INPUT" || element.tagName === "TEXTAREA") { element.value = ""; }
        if (element.tagName === "SELECT") { element.selectedIndex = 0; }
        element.classList.remove("is-invalid");
      });
      copy.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });
      rows.appendChild(copy);
      var first = copy.querySelector("input");
      if (first) { first.focus(); }
    });
  }
})();
