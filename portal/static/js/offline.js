// The phone's offline queue, on every signed-in page.
//
// Every change made while conducting an audit (its start, an answer, a photo, the
// completion) is written to IndexedDB first and sent from there: in the order it was made,
// each with its own key (the server applies a key once, so a change resent after a lost
// answer changes nothing). The queue survives closing the tab and restarting the browser;
// whichever portal page is open sends what is waiting once there is a connection and a live
// session. What the server refuses (the audit was cancelled, an item was removed) or what
// another device changed first stays here, shown with its reason, until the auditor decides.
//
// The page also registers the service worker (served at /sw.js), which keeps the pages saved
// with "Make available offline" and answers with them when there is no connection.
(function () {
  "use strict";

  var box = document.querySelector("[data-offline-queue]");
  if (!box || !window.indexedDB) { return; }
  var userId = box.getAttribute("data-user");
  var sessionUrl = box.getAttribute("data-session-url");
  var text = box.dataset;
  var summary = box.querySelector("[data-summary]");
  var heldList = box.querySelector("[data-held]");
  var signInNotice = box.querySelector("[data-sign-in]");
  var PAGES = "portal-pages";
  var OWNER = "portal-owner";  // while it holds OWNER_KEY the service worker answers saved pages
  var OWNER_KEY = "/offline-owner";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(box.getAttribute("data-sw-url"), { scope: "/" })
      .catch(function () { /* no offline pages on this browser; the queue still works */ });
  }

  // IndexedDB: changes (the queue, by sequence), audits (the downloaded bundles) and state
  // (the answer versions last seen, which audits have started, whose data this is).
  var opening = null;
  function openDb() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open("portal-offline", 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("changes", { keyPath: "seq", autoIncrement: true });
          db.createObjectStore("audits", { keyPath: "id" });
          db.createObjectStore("state", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opening;
  }

  function run(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(request ? request.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }
  function getAll(name) { return run(name, "readonly", function (s) { return s.getAll(); }); }
  function get(name, key) { return run(name, "readonly", function (s) { return s.get(key); }); }
  function put(name, value) { return run(name, "readwrite", function (s) { return s.put(value); }); }
  function remove(name, key) { return run(name, "readwrite", function (s) { return s.delete(key); }); }

  function getState(key) {
    return get("state", key).then(function (row) { return row ? row.value : undefined; });
  }
  function setState(key, value) { return put("state", { key: key, value: value }); }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent("portal:offline-" + name, { detail: detail }));
  }

  // The signed-in user's changes, oldest first. Another user's changes on this device are
  // never sent under this session.
  function changes() {
    return getAll("changes").then(function (list) {
      return list.filter(function (c) { return c.user === userId; })
        .sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function add(change) {
    change.user = userId;
    change.key = newKey();
    change.state = "waiting";
    change.attempts = 0;
    change.at = Date.now();
    return put("changes", change).then(function (seq) {
      change.seq = seq;
      refresh();
      sync();
      return change;
    });
  }

  function versionKey(audit, item) { return audit + ":" + item; }

  var sending = null;  // the sequence number of the change on its way to the server

  // An answer: while the item's last answer is still waiting and unsent it is replaced (one
  // request, not one per keystroke); otherwise a new change made on the version this device
  // last saw, or on what the item's waiting change will leave.
  function queueAnswer(answer) {
    return changes().then(function (list) {
      var last = null;
      list.forEach(function (c) {
        if (c.kind === "answer" && c.audit === answer.audit && c.item === answer.item) { last = c; }
      });
      if (last && last.state === "waiting" && !last.attempts && last.seq !== sending) {
        last.fields.result = answer.result;
        last.fields.note = answer.note;
        return put("changes", last).then(function () { refresh(); sync(); return last; });
      }
      var base = last ? Promise.resolve(last.fields.version)
        : getState(versionKey(answer.audit, answer.item)).then(function (seen) {
          return seen || answer.version;
        });
      return base.then(function (version) {
        return add({
          kind: "answer", audit: answer.audit, item: answer.item, url: answer.url,
          label: answer.label, fields: { result: answer.result, note: answer.note, version: version }
        });
      });
    });
  }

  function queuePhoto(photo) {
    return add({
      kind: "photo", audit: photo.audit, item: photo.item, url: photo.url, label: photo.label,
      blob: photo.blob, name: photo.name, fields: {}
    });
  }

  // A corrective action's response with its evidence photos (a dealer on a phone).
  function queueEvidence(evidence) {
    return add({
      kind: "evidence", url: evidence.url, label: evidence.label, fields: evidence.fields,
      files: evidence.files
    });
  }

  // A store's report that a promotion is carried out (or not possible), with its photo.
  function queueReport(report) {
    return add({
      kind: "proof", url: report.url, label: report.label, fields: report.fields,
      files: report.files, field: report.field
    });
  }

  // A photo, no larger than the portal keeps (its longest edge), as JPEG; one the browser
  // cannot read goes as it is and the server says why it refuses it.
  function resize(file, maxEdge) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
      if (scale === 1) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function queueComplete(completion) {
    return add({
      kind: "complete", audit: completion.audit, url: completion.url, label: completion.label,
      fields: { summary: completion.summary }
    });
  }

  // An audit begun offline starts on the server with its first change, on the standard
  // version its saved copy shows (a version published since then does not replace it).
  function ensureStarted(audit, url, label, standardVersion) {
    return Promise.all([changes(), getState(audit + ":started")]).then(function (found) {
      var queued = found[0].some(function (c) { return c.kind === "start" && c.audit === audit; });
      if (queued || found[1]) { return null; }
      return add({
        kind: "start", audit: audit, url: url, label: label,
        fields: { standard_version: standardVersion || "" }
      });
    });
  }

  // Sending

  var running = false;
  var signInNeeded = false;

  // The next change that may go: changes wait behind a held change of the same item (their
  // order matters), and a start or completion holds or waits for its whole audit.
  function nextToSend(list) {
    var held = list.filter(function (c) { return c.state !== "waiting"; });
    return list.find(function (c) {
      if (c.state !== "waiting") { return false; }
      return !held.some(function (h) {
        if (h.seq > c.seq) { return false; }
        if (!h.audit || !c.audit) { return h.url === c.url; }  // a report or a response
        return h.audit === c.audit &&
          (h.item === c.item || h.kind === "start" || c.kind === "complete");
      });
    });
  }

  function send(change, token) {
    var body = new FormData();
    body.append("csrf_token", token);
    Object.keys(change.fields || {}).forEach(function (name) {
      var value = change.fields[name];
      if (value !== null && value !== undefined && value !== "") { body.append(name, value); }
    });
    if (change.blob) { body.append("photos", change.blob, change.name); }
    (change.files || []).forEach(function (file) {
      body.append(change.field || "photos", file.blob, file.name);
    });
    return window.fetch(change.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token, "Idempotency-Key": change.key }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  // Later answers of the same item made on the version this change was made on now build on
  // the version it left.
  function rebase(change, version) {
    return changes().then(function (list) {
      return Promise.all(list.filter(function (c) {
        return c.kind === "answer" && c.seq > change.seq && c.audit === change.audit &&
          c.item === change.item && c.fields.version === change.fields.version;
      }).map(function (c) {
        c.fields.version = version;
        return put("changes", c);
      }));
    });
  }

  function accepted(change, data) {
    var work = [remove("changes", change.seq)];
    if ((change.kind === "answer" || change.kind === "photo") && data.version) {
      work.push(setState(versionKey(change.audit, change.item), data.version));
      if (change.kind === "answer") { work.push(rebase(change, data.version)); }
    }
    if (change.kind === "start") { work.push(setState(change.audit + ":started", true)); }
    if (change.kind === "complete") { work.push(release(change.audit)); }
    return Promise.all(work).then(function () { emit("sent", { change: change, data: data }); });
  }

  // What the server answered: true to go on with the next change, false to stop for now.
  function settle(change, answer) {
    var status = answer.status;
    var data = answer.data || {};
    if (status >= 200 && status < 300 && data.ok !== true) {
      status = 422;  // not an answer of the queue's endpoints (a redirect to a page): show it
    }
    if (status >= 200 && status < 300) {
      return accepted(change, data).then(function () { return true; });
    }
    if (status === 401 || data.csrf_expired) {
      signInNeeded = status === 401;
      if (signInNeeded) { changes().then(function (list) { emit("session-ended", list); }); }
      return Promise.resolve(false);
    }
    if (status >= 500 || status === 429 || (status === 409 && data.retry)) {
      return Promise.resolve(false);  // try again later, unchanged
    }
    if (status === 409 && data.conflict) {
      change.state = "conflict";
      change.server = data.current;
    } else {
      change.state = "refused";
      change.message = data.message || String(status);
    }
    return put("changes", change).then(function () { emit("held", change); return true; });
  }

  function sendAll(token) {
    return changes().then(function (list) {
      var next = nextToSend(list);
      if (!next) { return null; }
      sending = next.seq;
      next.attempts = (next.attempts || 0) + 1;
      return put("changes", next).then(function () { return send(next, token); })
        .then(function (answer) { return settle(next, answer); })
        .then(function (goOn) {
          sending = null;
          refresh();
          return goOn ? sendAll(token) : null;
        }, function () { sending = null; });  // no connection: stop here
    });
  }

  function drain() {
    return changes().then(function (list) {
      if (!nextToSend(list)) { return null; }
      return window.fetch(sessionUrl, {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 401) {
          signInNeeded = true;
          emit("session-ended", list);
          return null;
        }
        if (!response.ok) { return null; }
        return response.json().then(function (session) {
          signInNeeded = false;
          return sendAll(session.csrf_token);
        });
      });
    }).catch(function () { /* no connection */ });
  }

  function sync() {
    if (running || !navigator.onLine) { return Promise.resolve(); }
    running = true;
    var work = navigator.locks
      ? navigator.locks.request("portal-offline-queue", drain)  // one tab sends at a time
      : drain();
    return Promise.resolve(work).catch(function () {}).then(function () {
      running = false;
      refresh();
    });
  }

  // Deciding about a held change

  function decide(seq, choice) {
    return changes().then(function (list) {
      var change = list.find(function (c) { return c.seq === seq; });
      if (!change) { return null; }
      var work;
      if (change.state === "conflict") {
        work = choice === "mine" ? keepMine(change, list) : keepTheirs(change, list);
      } else if (choice === "again") {
        change.state = "waiting";
        change.key = newKey();
        change.attempts = 0;
        delete change.message;
        work = put("changes", change);
      } else {
        var gone = list.filter(function (c) {
          return c.seq === change.seq || (change.kind === "start" && c.audit === change.audit);
        });
        work = Promise.all(gone.map(function (c) { return remove("changes", c.seq); }));
      }
      return work.then(function () { emit("decided", { change: change, choice: choice }); refresh(); sync(); });
    });
  }

  function sameItem(change, list) {
    return list.filter(function (c) {
      return c.kind === "answer" && c.audit === change.audit && c.item === change.item && c.seq >= change.seq;
    });
  }

  // This device's latest answer goes again, made knowingly on the other device's version.
  function keepMine(change, list) {
    var mine = sameItem(change, list);
    var latest = mine[mine.length - 1];
    var version = change.server.version;
    return Promise.all(mine.slice(0, -1).map(function (c) { return remove("changes", c.seq); }))
      .then(function () {
        latest.fields.version = version;
        latest.state = "waiting";
        latest.key = newKey();
        latest.attempts = 0;
        delete latest.server;
        return Promise.all([put("changes", latest), setState(versionKey(change.audit, change.item), version)]);
      });
  }

  function keepTheirs(change, list) {
    return Promise.all(sameItem(change, list).map(function (c) { return remove("changes", c.seq); }))
      .then(function () { return setState(versionKey(change.audit, change.item), change.server.version); });
  }

  // Downloaded audits and the storage they use

  function saveAudit(bundle) {
    return put("audits", { id: bundle.id, user: userId, bundle: bundle, saved: Date.now() });
  }

  function audits() {
    return getAll("audits").then(function (list) {
      return list.filter(function (a) { return a.user === userId; });
    });
  }

  function pageKey(auditId) { return "/audits/" + auditId + "/conduct"; }

  // An audit done (its completion accepted): its bundle, saved page and photos go.
  function release(auditId) {
    return get("audits", auditId).then(function (saved) {
      var urls = [pageKey(auditId)];
      if (saved) {
        saved.bundle.items.forEach(function (item) { urls = urls.concat(item.photos); });
      }
      var dropped = window.caches ? window.caches.open(PAGES).then(function (cache) {
        return Promise.all(urls.map(function (url) { return cache.delete(url); }));
      }) : Promise.resolve();
      return Promise.all([remove("audits", auditId), dropped]);
    });
  }

  // A page saved by another user on this device is not shown to this one.
  function forgetOtherUsers() {
    return getState("owner").then(function (owner) {
      if (owner === userId) { return null; }
      var work = [setState("owner", userId)];
      if (owner !== undefined && window.caches) { work.push(window.caches.delete(PAGES)); }
      return Promise.all(work).then(function () {
        return getAll("audits").then(function (list) {
          return Promise.all(list.filter(function (a) { return a.user !== userId; })
            .map(function (a) { return remove("audits", a.id); }));
        });
      });
    });
  }

  // This device is someone's while a signed-in page is open: the service worker may answer
  // with the saved pages (static/js/sw.js).
  function markOwner() {
    if (!window.caches) { return Promise.resolve(); }
    return window.caches.open(OWNER).then(function (cache) {
      return cache.put(OWNER_KEY, new Response(String(userId), { headers: { "Content-Type": "text/plain" } }));
    });
  }

  // Signing out: the saved pages, photos and audits go, so whoever uses the phone next cannot
  // open them; the changes still waiting stay and are sent once the same user signs in again.
  function forgetOnSignOut() {
    var unmarked = window.caches ? window.caches.delete(OWNER) : Promise.resolve();
    return unmarked.then(function () {
      return Promise.all([
        window.caches ? window.caches.delete(PAGES) : null,
        getAll("audits").then(function (list) {
          return Promise.all(list.map(function (a) { return remove("audits", a.id); }));
        }),
        remove("state", "owner")
      ]);
    });
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    var leaving = false;
    form.addEventListener("submit", function (event) {
      if (leaving) { return; }
      event.preventDefault();
      leaving = true;
      // Signing out never waits long on the browser's storage.
      var waited = new Promise(function (resolve) { window.setTimeout(resolve, 3000); });
      Promise.race([forgetOnSignOut().catch(function () {}), waited]).then(function () { form.submit(); });
    });
  });

  // Showing the queue

  function counted(one, many, count) {
    return (count === 1 ? one : many).replace("%(count)s", count);
  }

  function render(list) {
    var waiting = list.filter(function (c) { return c.state === "waiting"; });
    var held = list.filter(function (c) { return c.state !== "waiting"; });
    var parts = [];
    var answers = waiting.filter(function (c) { return c.kind === "answer"; }).length;
    var photos = waiting.filter(function (c) { return c.kind === "photo"; }).length;
    var completions = waiting.filter(function (c) { return c.kind === "complete"; }).length;
    var responses = waiting.filter(function (c) { return c.kind === "evidence"; }).length;
    var reports = waiting.filter(function (c) { return c.kind === "proof"; }).length;
    if (answers) { parts.push(counted(text.answersOne, text.answersMany, answers)); }
    if (photos) { parts.push(counted(text.photosOne, text.photosMany, photos)); }
    if (completions) { parts.push(counted(text.completionsOne, text.completionsMany, completions)); }
    if (responses) { parts.push(counted(text.responsesOne, text.responsesMany, responses)); }
    if (reports) { parts.push(counted(text.reportsOne, text.reportsMany, reports)); }
    summary.textContent = parts.length ? parts.join(" · ") + (navigator.onLine ? "" : " · " + text.offline) : "";
    signInNotice.classList.toggle("d-none", !(signInNeeded && waiting.length));
    while (heldList.firstChild) { heldList.removeChild(heldList.firstChild); }
    held.forEach(function (change) { heldList.appendChild(heldEntry(change)); });
    box.hidden = !waiting.length && !held.length;
    emit("changed", list);
  }

  function resultText(result, note) {
    var shown = result ? (text["result" + result.charAt(0).toUpperCase() + result.slice(1)] || result) : text.notAnswered;
    return note ? shown + " — " + note : shown;
  }

  function button(label, choice, change, testid) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-outline-primary me-2 mt-1";
    b.textContent = label;
    b.setAttribute("data-testid", testid);
    b.addEventListener("click", function () { b.disabled = true; decide(change.seq, choice); });
    return b;
  }

  function line(content, className) {
    var p = document.createElement("p");
    p.className = className || "mb-1";
    p.textContent = content;
    return p;
  }

  function heldEntry(change) {
    var entry = document.createElement("div");
    entry.className = "border-top pt-2 mt-2";
    entry.setAttribute("data-testid", "offline-held");
    if (change.state === "conflict") {
      entry.appendChild(line(text.conflict.replace("%(what)s", change.label), "mb-1 fw-semibold"));
      entry.appendChild(line(text.theirs + ": " + resultText(change.server.result, change.server.note)));
      entry.appendChild(line(text.mine + ": " + resultText(change.fields.result, change.fields.note)));
      entry.appendChild(button(text.keepMine, "mine", change, "keep-mine"));
      entry.appendChild(button(text.keepTheirs, "theirs", change, "keep-theirs"));
    } else {
      entry.appendChild(line(text.refused.replace("%(what)s", change.label).replace("%(reason)s", change.message), "mb-1 fw-semibold"));
      entry.appendChild(button(text.sendAgain, "again", change, "send-again"));
      entry.appendChild(button(change.kind === "start" ? text.discardAudit : text.discard, "discard", change, "discard-change"));
    }
    return entry;
  }

  function refresh() {
    return changes().then(render).catch(function () {});
  }

  window.PortalOffline = {
    userId: userId,
    changes: changes,
    queueAnswer: queueAnswer,
    queuePhoto: queuePhoto,
    queueComplete: queueComplete,
    queueEvidence: queueEvidence,
    queueReport: queueReport,
    resize: resize,
    ensureStarted: ensureStarted,
    saveAudit: saveAudit,
    audits: audits,
    release: release,
    pageKey: pageKey,
    sync: sync,
    PAGES: PAGES
  };

  window.addEventListener("online", function () { refresh(); sync(); });
  window.addEventListener("offline", refresh);
  document.addEventListener("portal:session-renewed", function () { signInNeeded = false; sync(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); } });
  window.setInterval(sync, 15000);
  forgetOtherUsers().then(markOwner).catch(function () {}).then(function () { refresh(); sync(); });
})();
