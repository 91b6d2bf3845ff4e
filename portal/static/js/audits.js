// Conducting an audit: every answer, note and photo is kept on the phone the moment it is
// given, and sent from there (static/js/offline.js), with or without a connection.
//
// Each item is a small form that also works without JavaScript (its Save button posts it).
// Here a change goes into the offline queue instead: answers with the version of the item
// this page showed (a change made meanwhile on another device is shown, not overwritten),
// photos resized on the phone to the portal's largest edge first, the completion last. The
// page shows what is still waiting, and counts progress from what was answered here.
(function () {
  "use strict";

  var root = document.querySelector("[data-audit]");
  var queue = window.PortalOffline;
  if (!root || !queue) { return; }
  var auditId = Number(root.getAttribute("data-audit"));
  var store = root.getAttribute("data-store");
  var maxEdge = Number(root.getAttribute("data-max-edge")) || 4096;
  var messages = document.getElementById("audit-messages").dataset;
  var connection = root.querySelector("[data-connection]");
  var sessionNotice = root.querySelector("[data-session-ended]");
  var timers = {};
  var localUrls = [];

  document.body.classList.add("js-autosave");

  function forms() { return root.querySelectorAll("form[data-answer-form]"); }

  function formOf(itemId) {
    return root.querySelector("form[data-answer-form][data-item='" + itemId + "']");
  }

  function label(form) {
    return form ? store + " " + form.getAttribute("data-code") : store;
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

  function updateProgress() {
    var all = forms();
    var answered = 0;
    all.forEach(function (form) {
      var done = Boolean(form.querySelector("input[name=result]:checked"));
      form.classList.toggle("answered", done);
      if (done) { answered += 1; }
    });
    root.querySelector("[data-answered]").textContent = answered;
    root.querySelector("[data-total]").textContent = all.length;
  }

  function startFirst() {
    if (root.getAttribute("data-status") !== "scheduled") { return Promise.resolve(); }
    return queue.ensureStarted(auditId, root.getAttribute("data-start-url"), label(null),
      root.getAttribute("data-standard-version"));
  }

  function saveAnswer(form) {
    var value = snapshot(form);
    setState(form, messages.waiting, "secondary");
    updateProgress();
    return startFirst().then(function () {
      return queue.queueAnswer({
        audit: auditId,
        item: Number(form.getAttribute("data-item")),
        url: form.action,
        label: label(form),
        result: value.result,
        note: value.note,
        version: Number(form.elements.version.value)
      });
    });
  }

  function addPhotos(form, files) {
    var itemId = Number(form.getAttribute("data-item"));
    var chosen = Array.prototype.slice.call(files);
    form.elements.photos.value = "";
    return chosen.reduce(function (previous, file) {
      return previous.then(function () { return queue.resize(file, maxEdge); }).then(function (blob) {
        return startFirst().then(function () {
          return queue.queuePhoto({
            audit: auditId, item: itemId, url: form.getAttribute("data-photos-url"),
            label: label(form), blob: blob, name: file.name
          });
        });
      });
    }, Promise.resolve());
  }

  function thumb(url, name) {
    var wrapper = document.createElement("span");
    wrapper.className = "photo";
    var image = document.createElement("img");
    image.src = url;
    image.alt = name;
    image.className = "thumb";
    wrapper.appendChild(image);
    return wrapper;
  }

  function renderServerPhotos(form, photos) {
    var strip = form.querySelector("[data-photos]");
    strip.querySelectorAll("[data-photo]").forEach(function (node) { node.remove(); });
    photos.forEach(function (photo) {
      var wrapper = document.createElement("span");
      wrapper.className = "photo";
      wrapper.setAttribute("data-photo", photo.id);
      var link = document.createElement("a");
      link.href = photo.url;
      link.appendChild(thumb(photo.url, photo.name).firstChild);
      var remove = document.createElement("button");
      remove.type = "submit";
      remove.className = "btn btn-sm btn-outline-danger";
      remove.setAttribute("formaction", photo.delete);
      remove.setAttribute("data-remove-photo", "");
      remove.setAttribute("aria-label", messages.remove);
      remove.textContent = "×";
      wrapper.appendChild(link);
      wrapper.appendChild(remove);
      strip.insertBefore(wrapper, strip.querySelector("[data-local]"));
    });
  }

  // What this device still holds for the audit: its answers over the page's, its photos as
  // thumbnails marked waiting, its held changes marked, the completion noted.
  function show(list) {
    localUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    localUrls = [];
    root.querySelectorAll("[data-local]").forEach(function (node) { node.remove(); });
    var mine = list.filter(function (c) { return c.audit === auditId; });
    var latest = {};
    var pending = {};
    mine.forEach(function (change) {
      if (change.kind === "answer") { latest[change.item] = change; }
      if (change.item) { pending[change.item] = true; }
      if (change.kind === "photo") {
        var form = formOf(change.item);
        if (!form) { return; }
        var url = URL.createObjectURL(change.blob);
        localUrls.push(url);
        var node = thumb(url, messages.photoWaiting);
        node.setAttribute("data-local", "");
        node.classList.add("waiting");
        node.setAttribute("title", messages.photoWaiting);
        form.querySelector("[data-photos]").appendChild(node);
      }
    });
    Object.keys(latest).forEach(function (itemId) {
      var form = formOf(itemId);
      if (!form) { return; }
      var fields = latest[itemId].fields;
      form.querySelectorAll("input[name=result]").forEach(function (radio) {
        radio.checked = radio.value === fields.result;
      });
      if (document.activeElement !== form.elements.note) { form.elements.note.value = fields.note; }
    });
    Object.keys(pending).forEach(function (itemId) {
      var form = formOf(itemId);
      if (!form) { return; }
      var held = mine.some(function (c) { return String(c.item) === itemId && c.state !== "waiting"; });
      setState(form, held ? messages.held : messages.waiting, held ? "danger" : "secondary");
    });
    var completing = mine.some(function (c) { return c.kind === "complete"; });
    if (completeForm) {
      completeForm.querySelector("[data-completion-waiting]").classList.toggle("d-none", !completing);
      completeForm.querySelector("[type=submit]").disabled = completing;
    }
    updateProgress();
  }

  function refresh() {
    return queue.changes().then(show);
  }

  document.addEventListener("portal:offline-changed", function (event) { show(event.detail); });

  document.addEventListener("portal:offline-sent", function (event) {
    var change = event.detail.change;
    var data = event.detail.data;
    if (change.audit !== auditId) { return; }
    if (change.kind === "start") { root.setAttribute("data-status", data.status || "in_progress"); }
    if (change.kind === "complete" && data.url) { window.location.assign(data.url); return; }
    var form = change.item && formOf(change.item);
    if (!form) { return; }
    if (data.version) { form.elements.version.value = data.version; }
    if (data.photos) { renderServerPhotos(form, data.photos); }
    queue.changes().then(function (list) {
      var left = list.some(function (c) { return c.audit === auditId && c.item === change.item; });
      if (!left) { setState(form, messages.saved, "success"); }
      show(list);
    });
    document.dispatchEvent(new CustomEvent("portal:session-touched"));
  });

  // The auditor kept the other device's answer: the page shows it.
  document.addEventListener("portal:offline-decided", function (event) {
    var change = event.detail.change;
    if (change.audit !== auditId || !change.server) { return; }
    var form = formOf(change.item);
    if (!form) { return; }
    form.elements.version.value = change.server.version;
    if (event.detail.choice === "theirs") {
      form.querySelectorAll("input[name=result]").forEach(function (radio) {
        radio.checked = radio.value === change.server.result;
      });
      form.elements.note.value = change.server.note;
      setState(form, messages.saved, "success");
    }
    updateProgress();
  });

  document.addEventListener("portal:offline-session-ended", function (event) {
    var count = event.detail.filter(function (c) { return c.audit === auditId && c.kind === "answer"; }).length;
    if (!count) { return; }
    var template = count === 1 ? sessionNotice.getAttribute("data-one") : sessionNotice.getAttribute("data-many");
    sessionNotice.querySelector("[data-text]").textContent = template.replace("%(count)s", count);
    sessionNotice.classList.remove("d-none");
    document.dispatchEvent(new CustomEvent("portal:session-lost"));
  });
  document.addEventListener("portal:offline-sent", function () { sessionNotice.classList.add("d-none"); });

  forms().forEach(function (form) {
    var itemId = form.getAttribute("data-item");
    form.addEventListener("change", function (event) {
      if (event.target.name === "result") { saveAnswer(form); }
      if (event.target.name === "photos" && event.target.files.length) { addPhotos(form, event.target.files); }
    });
    form.elements.note.addEventListener("input", function () {
      window.clearTimeout(timers[itemId]);
      timers[itemId] = window.setTimeout(function () { timers[itemId] = null; saveAnswer(form); }, 700);
    });
    form.elements.note.addEventListener("blur", function () {
      if (timers[itemId]) {
        window.clearTimeout(timers[itemId]);
        timers[itemId] = null;
        saveAnswer(form);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-remove-photo")) {
        removePhoto(form, submitter.getAttribute("formaction"));
        return;
      }
      var files = form.elements.photos.files;
      if (files && files.length) { addPhotos(form, files); }
      saveAnswer(form);
    });
  });

  // Removing a photo already on the server needs the connection (it is not queued).
  function removePhoto(form, url) {
    var body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    window.fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.elements.csrf_token.value }
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.statusText); }
      return response.json();
    }).then(function (data) {
      renderServerPhotos(form, data.photos || []);
    }).catch(function () { setState(form, messages.offline, "danger"); });
  }

  var completeForm = root.querySelector("[data-complete-form]");
  if (completeForm) {
    // On document, after portal.js asked for confirmation (declined: the default is prevented).
    document.addEventListener("submit", function (event) {
      if (event.target !== completeForm || event.defaultPrevented) { return; }
      event.preventDefault();
      // Pending note edits go first: the completion is sent after them.
      Object.keys(timers).forEach(function (itemId) {
        if (timers[itemId]) { window.clearTimeout(timers[itemId]); timers[itemId] = null; saveAnswer(formOf(itemId)); }
      });
      startFirst().then(function () {
        return queue.queueComplete({
          audit: auditId, url: completeForm.action, label: label(null),
          summary: completeForm.elements.summary.value
        });
      });
    });
  }

  function showConnection() {
    connection.textContent = navigator.onLine ? "" : messages.offlineShort;
  }
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();
  refresh();

  // Reopening the audit resumes where it stopped: at the first unanswered item.
  if (!window.location.hash) {
    var next = root.querySelector("form[data-answer-form]:not(.answered)");
    if (next && next !== root.querySelector("form[data-answer-form]")) {
      next.scrollIntoView({ block: "start" });
    }
  }
})();
