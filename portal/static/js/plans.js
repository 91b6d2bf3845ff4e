// Plan grid: row, column and grand totals follow what is typed. The page works without it
// (totals are computed by the server on every render).
(function () {
  "use strict";

  function parseFigure(text) {
    // The same shapes the server accepts: 12500, 12,500.50, full-width digits.
    var value = (text || "").normalize("NFKC").replace(/[\s,]/g, "");
    if (value === "" || !/^[0-9]+(\.[0-9]{1,2})?$/.test(value)) { return 0; }
    return Number(value);
  }

  function format(value, decimals) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
  }

  function recompute(table) {
    var sums = {};
    function add(key, amount) { sums[key] = (sums[key] || 0) + amount; }
    table.querySelectorAll("input[data-kind]").forEach(function (input) {
      var kind = input.getAttribute("data-kind");
      var amount = parseFigure(input.value);
      add(kind + ":store:" + input.getAttribute("data-store"), amount);
      add(kind + ":line:" + input.getAttribute("data-line"), amount);
      add(kind + ":grand", amount);
    });
    table.querySelectorAll("[data-total]").forEach(function (cell) {
      var kind = cell.getAttribute("data-total");
      var key = kind + (cell.hasAttribute("data-grand") ? ":grand"
        : cell.hasAttribute("data-store") ? ":store:" + cell.getAttribute("data-store")
        : ":line:" + cell.getAttribute("data-line"));
      cell.textContent = format(sums[key] || 0, kind === "revenue" ? 2 : 0);
    });
  }

  document.querySelectorAll("table[data-plan-grid]").forEach(function (table) {
    if (!table.querySelector("input[data-kind]")) { return; }
    table.addEventListener("input", function () { recompute(table); });
    recompute(table);
  });
})();
