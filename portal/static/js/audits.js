// Conducting an audit: every answer is saved the moment it is given.
//
// Each item is a small form that also works without JavaScript (its Save button posts
// it). Here every change posts the same form with fetch, asking for JSON, with the CSRF
// token in a header. Answers not yet accepted by the server (no connection, server down)
// are kept in localStorage and sent again when the connection comes back or the page is
// reopened, so nothing typed on a phone in a basement is lost.
(function () {
  "use strict";

  var root = document.querySelector("[data-audit]");
  if (!root) { return; }
  var auditId = root.getAttribute("data-audit");
  var storageKey = "portal.audit." + auditId + ".pending";
  var messages = document.getElementById("audit-messages").dataset;
  var connection = root.querySelector("[data-connection]");
  var queues = {};      // item id -> Promise chain (one request at a time per item)
  var dirty = {};       // item id -> true while a change is not confirmed by the server
  var timers = {};

  document.body.classList.add("js-autosave");

  function loadPending() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "{}"); }
    catch (error) { return {}; }
  }

  function storePending(itemId, value) {
    var pending = loadPending();
    if (value === null) { delete pending[itemId]; } else { pending[itemId] = value; }
    try { window.localStorage.setItem(storageKey, JSON.stringify(pending)); }
    catch (error) { /* storage full or disabled: the in-memory retry still runs */ }
  }

  function formOf(itemId) {
    return root.querySelector("form[data-answer-form][data-item='" + itemId + "']");
  }

  function snapshot(form) {
    var checked = form.querySelector("input[name=result]:checked");
    return { result: checked ? checked.value : "", note: form.elements.note.value };
  }

  function setState(form, text, kind) {
    var state = form.querySelector("[data-state]");
    state.textContent = text;
    state.className = "small save-state" + (kind ? " text-" + kind : "");
  }

  function updateProgress(data) {
    if (typeof data.answered !== "number") { return; }
    root.querySelector("[data-answered]").textContent = data.answered;
    root.querySelector("[data-total]").textContent = data.total;
  }

  function renderPhotos(form, photos) {
    var strip = form.querySelector("[data-photos]");
    while (strip.firstChild) { strip.removeChild(strip.firstChild); }
    photos.forEach(function (photo) {
      var wrapper = document.createElement("span");
      wrapper.className = "photo";
      wrapper.setAttribute("data-photo", photo.id);
      var link = document.createElement("a");
      link.href = photo.url;
      var image = document.createElement("img");
      image.src = photo.url;
      image.alt = photo.name;
      image.className = "thumb";
      link.appendChild(image);
      var remove = document.createElement("button");
      remove.type = "submit";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.setAttribute("formaction", photo.delete);
      remove.setAttribute("data-remove-photo", "");
      remove.setAttribute("aria-label", messages.remove);
      remove.textContent = "×";
      wrapper.appendChild(link);
      wrapper.appendChild(remove);
      strip.appendChild(wrapper);
    });
  }

  function csrfToken(form) {
    return form.elements.csrf_token.value;
  }

  function post(url, form, body) {
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || response.statusText);
          if (response.status === 401 || response.status === 403 || data.csrf_expired) {
            // The session (or its CSRF token) ended: the answer is fine, keep it queued.
            error.sessionEnded = true;
          } else {
            error.rejected = true;   // the server answered: retrying the same data won't help
          }
          throw error;
        }
        return data;
      });
    });
  }

  function applied(form, data) {
    form.classList.toggle("answered", Boolean(data.result));
    form.classList.remove("border-danger");
    renderPhotos(form, data.photos || []);
    updateProgress(data);
  }

  // Send the item's current answer (and any chosen photo); chained per item so the
  // server sees the changes in the order they were made.
  function save(form, withPhoto) {
    var itemId = form.getAttribute("data-item");
    dirty[itemId] = true;
    storePending(itemId, snapshot(form));
    setState(form, messages.saving, "secondary");
    var body = new FormData(form);
    if (!withPhoto) { body.delete("photos"); }
    var fileInput = form.elements.photos;
    var previous = queues[itemId] || Promise.resolve();
    queues[itemId] = previous.then(function () {
      return post(form.action, form, body).then(function (data) {
        if (withPhoto) { fileInput.value = ""; }
        applied(form, data);
        if (JSON.stringify(snapshot(form)) === JSON.stringify({ result: data.result || "", note: data.note })) {
          delete dirty[itemId];
          storePending(itemId, null);
        }
        setState(form, messages.saved, "success");
        document.dispatchEvent(new CustomEvent("portal:session-touched"));
        showSessionEnded();
      }).catch(function (error) {
        if (error.sessionEnded) {
          setState(form, messages.signIn, "danger");
          showSessionEnded(true);
        } else if (error.rejected) {
          delete dirty[itemId];
          storePending(itemId, null);
          setState(form, messages.failed + ": " + error.message, "danger");
        } else {
          setState(form, messages.offline, "danger");
        }
      });
    });
    return queues[itemId];
  }

  // Answers waiting for a new sign-in: a notice with their number and a sign-in link
  // (a new tab, so this page and its queue stay). Hidden again once they are all sent.
  var sessionNotice = root.querySelector("[data-session-ended]");
  var sessionLost = false;

  function showSessionEnded(lost) {
    if (lost && !sessionLost) {
      sessionLost = true;
      document.dispatchEvent(new CustomEvent("portal:session-lost"));
    }
    var count = Object.keys(loadPending()).length;
    if (!sessionLost || !count) {
      sessionLost = sessionLost && count > 0;
      sessionNotice.classList.add("d-none");
      return;
    }
    var template = count === 1 ? sessionNotice.getAttribute("data-one")
      : sessionNotice.getAttribute("data-many");
    sessionNotice.querySelector("[data-text]").textContent = template.replace("%(count)s", count);
    sessionNotice.classList.remove("d-none");
  }

  document.addEventListener("portal:session-renewed", function () { retryPending(); });

  function retryPending() {
    var pending = loadPending();
    Object.keys(pending).forEach(function (itemId) {
      var form = formOf(itemId);
      if (form) { save(form, false); }
    });
  }

  // Put back answers typed earlier on this device that the server never confirmed.
  function restorePending() {
    var pending = loadPending();
    Object.keys(pending).forEach(function (itemId) {
      var form = formOf(itemId);
      if (!form) { storePending(itemId, null); return; }
      var value = pending[itemId];
      form.querySelectorAll("input[name=result]").forEach(function (radio) {
        radio.checked = radio.value === value.result;
      });
      form.elements.note.value = value.note;
    });
    retryPending();
  }

  root.querySelectorAll("form[data-answer-form]").forEach(function (form) {
    var itemId = form.getAttribute("data-item");
    form.addEventListener("change", function (event) {
      if (event.target.name === "result") { save(form, false); }
      if (event.target.name === "photos" && event.target.files.length) { save(form, true); }
    });
    form.elements.note.addEventListener("input", function () {
      dirty[itemId] = true;
      storePending(itemId, snapshot(form));
      window.clearTimeout(timers[itemId]);
      timers[itemId] = window.setTimeout(function () { save(form, false); }, 700);
    });
    form.elements.note.addEventListener("blur", function () {
      if (timers[itemId]) { window.clearTimeout(timers[itemId]); timers[itemId] = null; }
      if (dirty[itemId]) { save(form, false); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-remove-photo")) {
        var url = submitter.getAttribute("formaction");
        var body = new FormData();
        body.append("csrf_token", csrfToken(form));
        post(url, form, body).then(function (data) { applied(form, data); })
          .catch(function (error) { setState(form, messages.failed + ": " + error.message, "danger"); });
        return;
      }
      var hasPhoto = form.elements.photos.files && form.elements.photos.files.length > 0;
      save(form, hasPhoto);
    });
  });

  var completeForm = root.querySelector("[data-complete-form]");
  if (completeForm) {
    completeForm.addEventListener("submit", function (event) {
      if (Object.keys(dirty).length || Object.keys(loadPending()).length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        completeForm.querySelector("[data-pending-warning]").classList.remove("d-none");
        retryPending();
      }
    }, true);
  }

  function showConnection() {
    connection.textContent = navigator.onLine ? "" : messages.offlineShort;
  }
  window.addEventListener("online", function () { showConnection(); retryPending(); });
  window.addEventListener("offline", showConnection);
  window.setInterval(function () { if (navigator.onLine) { retryPending(); } }, 15000);
  showConnection();
  restorePending();

  // Reopening the audit resumes where it stopped: at the first unanswered item.
  if (!window.location.hash) {
    var next = root.querySelector("form[data-answer-form]:not(.answered)");
    if (next && next !== root.querySelector("form[data-answer-form]")) {
      next.scrollIntoView({ block: "start" });
    }
  }
})();
