// Plan grid: behaves like a spreadsheet and keeps totals following what is typed.
// The page works without it (totals are computed by the server on every render).
//
// - Arrow keys move between cells (Up/Down always, Left/Right at the start/end of the
//   text); Enter moves down, Shift+Enter up. Enter never submits: saving is explicit.
// - A figure the server would refuse (bad shape, above the maximum) is marked
//   aria-invalid and left out of the totals.
// - On submit the figures are kept in sessionStorage; if the session had ended, the
//   sign-in page brings the user back here (#restore) and they are put back.
(function () {
  "use strict";

  var AMOUNT = /^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?$/;
  var COUNT = /^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$/;

  function normalise(text) {
    return (text || "").normalize("NFKC").trim().replace(/ /g, "").replace(/\u3002/g, ".");
  }

  // The figure in the field, 0 for an empty one, null for one the server would refuse.
  function parseFigure(input, maximum) {
    var value = normalise(input.value);
    if (value === "") { return 0; }
    var shape = input.getAttribute("data-kind") === "units" ? COUNT : AMOUNT;
    if (!shape.test(value)) { return null; }
    var number = Number(value.replace(/,/g, ""));
    if (maximum && number > maximum) { return null; }
    return number;
  }

  function format(value, decimals) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    });
  }

  function recompute(table) {
    var limits = {
      revenue: Number(table.getAttribute("data-max-money")) || 0,
      units: Number(table.getAttribute("data-max-count")) || 0
    };
    var sums = {};
    function add(key, amount) { sums[key] = (sums[key] || 0) + amount; }
    table.querySelectorAll("input[data-kind]").forEach(function (input) {
      var kind = input.getAttribute("data-kind");
      var amount = parseFigure(input, limits[kind]);
      if (amount === null) {
        input.setAttribute("aria-invalid", "true");
        input.classList.add("is-invalid");
        return;
      }
      if (!input.hasAttribute("data-server-error")) {
        input.removeAttribute("aria-invalid");
        input.classList.remove("is-invalid");
      }
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

  // Rows of inputs as seen on screen: per store a revenue row, then a units row.
  function matrix(table) {
    var rows = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      ["revenue", "units"].forEach(function (kind) {
        var row = Array.prototype.slice.call(tr.querySelectorAll("input[data-kind=" + kind + "]"));
        if (row.length) { rows.push(row); }
      });
    });
    return rows;
  }

  function position(rows, input) {
    for (var r = 0; r < rows.length; r += 1) {
      var c = rows[r].indexOf(input);
      if (c !== -1) { return { row: r, col: c }; }
    }
    return null;
  }

  function moveTo(target) {
    if (!target) { return; }
    target.focus();
    target.select();
  }

  function onKey(table, event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-kind]")) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    var rowStep = 0;
    var colStep = 0;
    if (key === "Enter") {
      event.preventDefault();  // never submit the form from a cell
      rowStep = event.shiftKey ? -1 : 1;
    } else if (key === "ArrowDown") {
      rowStep = 1;
    } else if (key === "ArrowUp") {
      rowStep = -1;
    } else if (key === "ArrowLeft" && !event.shiftKey && input.selectionStart === 0) {
      colStep = -1;
    } else if (key === "ArrowRight" && !event.shiftKey
               && input.selectionEnd === input.value.length) {
      colStep = 1;
    } else {
      return;
    }
    var rows = matrix(table);
    var at = position(rows, input);
    if (!at) { return; }
    event.preventDefault();
    var row = rows[at.row + rowStep];
    if (row) { moveTo(row[Math.min(at.col + colStep, row.length - 1)] || null); }
  }

  // Keeping typed figures across a session that ended (sessionStorage: this tab only).
  function storageKey(form) {
    return "portal.plan-grid." + form.getAttribute("action");
  }

  function remember(form, table) {
    var values = {};
    table.querySelectorAll("input[data-kind]").forEach(function (input) {
      values[input.name] = input.value;
    });
    var note = form.elements.note;
    try {
      window.sessionStorage.setItem(storageKey(form), JSON.stringify({
        values: values, note: note ? note.value : null
      }));
    } catch (error) { /* storage disabled: nothing more we can do */ }
  }

  function restore(form, table, notice) {
    var key = storageKey(form);
    var saved = null;
    try { saved = JSON.parse(window.sessionStorage.getItem(key) || "null"); }
    catch (error) { saved = null; }
    if (!saved || !saved.values) { return; }
    window.sessionStorage.removeItem(key);
    var restored = 0;
    Object.keys(saved.values).forEach(function (name) {
      var input = form.elements[name];
      if (input && input.matches("input[data-kind]") && input.value !== saved.values[name]) {
        input.value = saved.values[name];
        restored += 1;
      }
    });
    var note = form.elements.note;
    if (note && typeof saved.note === "string" && note.value !== saved.note) {
      note.value = saved.note;
      restored += 1;
    }
    if (restored && notice) {
      var template = restored === 1 ? notice.getAttribute("data-one") : notice.getAttribute("data-many");
      notice.querySelector("[data-text]").textContent = template.replace("%(count)s", restored);
      notice.classList.remove("d-none");
    }
  }

  document.querySelectorAll("table[data-plan-grid]").forEach(function (table) {
    if (!table.querySelector("input[data-kind]")) { return; }
    table.querySelectorAll("input[data-kind].is-invalid").forEach(function (input) {
      input.setAttribute("data-server-error", "");
      input.setAttribute("aria-invalid", "true");
    });
    table.addEventListener("input", function (event) {
      if (event.target.removeAttribute) { event.target.removeAttribute("data-server-error"); }
      recompute(table);
    });
    table.addEventListener("keydown", function (event) { onKey(table, event); });
    var form = table.closest("form");
    if (form) {
      if (window.location.hash === "#restore") {
        restore(form, table, document.querySelector("[data-grid-restored]"));
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      form.addEventListener("submit", function () { remember(form, table); });
    }
    recompute(table);
  });
})();
