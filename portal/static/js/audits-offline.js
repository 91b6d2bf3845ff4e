// "Make available offline" on the audits list: the supervisor's audits due in the next days
// are downloaded for use with no signal. Each audit's bundle (its items, guidance, answers
// and versions, the previous findings) goes to IndexedDB; its conduct page, the static files
// that page uses, its photos and this list go to the service worker's cache
// (static/js/sw.js answers with them when there is no connection). The card shows how many
// audits this device keeps and the storage they use; an audit's copy is released once its
// completion has been accepted (static/js/offline.js).
(function () {
  "use strict";

  var card = document.querySelector("[data-offline-audits]");
  var queue = window.PortalOffline;
  if (!card || !queue || !window.caches || !("serviceWorker" in navigator)) { return; }
  card.classList.remove("d-none");
  var text = card.dataset;
  var button = card.querySelector("[data-download]");
  var state = card.querySelector("[data-state]");
  var usage = card.querySelector("[data-usage-line]");
  var STATIC = "portal-static";

  function counted(one, many, count) {
    return (count === 1 ? one : many).replace("%(count)s", count);
  }

  function megabytes(bytes) {
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 1, maximumFractionDigits: 1
    });
    return format.format(bytes / (1024 * 1024));
  }

  function showUsage() {
    var counting = queue.audits().then(function (kept) {
      state.textContent = counted(text.keptOne, text.keptMany, kept.length);
    });
    var measuring = navigator.storage && navigator.storage.estimate
      ? navigator.storage.estimate().then(function (estimate) {
        usage.textContent = text.usage.replace("%(size)s", megabytes(estimate.usage || 0));
      }) : Promise.resolve();
    return Promise.all([counting, measuring]).catch(function () {});
  }

  // Why a download failed, as the user reads it: the server's own (translated) message, or
  // the page's generic one (never the browser's English status text).
  function refusal(message) {
    var error = new Error(message || text.failedGeneric);
    error.shown = true;
    return error;
  }

  function getJson(url) {
    return window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw refusal(data.message); }
          return data;
        });
      });
  }

  // A page for the cache: fetched as the browser would, kept under its path with the
  // server's headers (its Content-Security-Policy among them).
  function savePage(cache, url, key) {
    return window.fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw refusal(); }
      return response.text().then(function (html) {
        return cache.put(key, new Response(html, { headers: response.headers })).then(function () { return html; });
      });
    });
  }

  // The stylesheets, scripts and images a saved page asks for.
  function saveAssets(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var urls = [];
    doc.querySelectorAll("link[rel=stylesheet][href], link[rel=icon][href], script[src]").forEach(function (node) {
      var url = new URL(node.getAttribute("href") || node.getAttribute("src"), window.location.href);
      if (url.origin === window.location.origin) { urls.push(url.pathname + url.search); }
    });
    return window.caches.open(STATIC).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }));
    });
  }

  function saveAudit(cache, audit) {
    return getJson(audit.bundle).then(function (bundle) {
      return queue.saveAudit(bundle).then(function () {
        return savePage(cache, audit.copy, queue.pageKey(audit.id));
      }).then(saveAssets).then(function () {
        var photos = [];
        bundle.items.forEach(function (item) { photos = photos.concat(item.photos); });
        return Promise.all(photos.map(function (url) { return cache.add(url); }));
      });
    });
  }

  function download() {
    button.disabled = true;
    // Ask the browser not to evict the saved audits and the queue when space runs low.
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    state.textContent = text.downloading;
    return navigator.serviceWorker.ready.then(function () {
      return Promise.all([getJson(card.getAttribute("data-url")), window.caches.open(queue.PAGES)]);
    }).then(function (found) {
      var list = found[0];
      var cache = found[1];
      var saving = list.audits.reduce(function (previous, audit) {
        return previous.then(function () { return saveAudit(cache, audit); });
      }, Promise.resolve());
      return saving.then(function () {
        return Promise.all(list.pages.map(function (url) { return savePage(cache, url, url).then(saveAssets); }));
      }).then(function () { return list.audits.length; });
    }).then(function (count) {
      return showUsage().then(function () {
        state.textContent = counted(text.savedOne, text.savedMany, count);
        card.setAttribute("data-ready", "");
      });
    }).catch(function (error) {
      state.textContent = text.failed.replace("%(reason)s", error.shown ? error.message : text.failedGeneric);
    }).then(function () { button.disabled = false; });
  }

  button.addEventListener("click", download);
  showUsage();
})();
