// The portal's service worker (served at /sw.js, so its scope is the whole portal).
//
// It keeps two caches: the static files (fingerprinted URLs, which never change) and the
// pages the auditor saved with "Make available offline" (static/js/audits-offline.js puts
// them there). With a connection every page comes from the server as usual; without one, a
// saved page answers instead. An audit's page and its conduct page both open the saved
// conduct page. Nothing else is cached, and no request is changed.
"use strict";

var PAGES = "portal-pages";
var STATIC = "portal-static";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function savedKey(url) {
  var audit = url.pathname.match(/^\/audits\/(\d+)(\/conduct)?\/?$/);
  return audit ? "/audits/" + audit[1] + "/conduct" : url.pathname;
}

function staticFile(request, url) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && url.searchParams.has("v")) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

// A conduct page opened with a connection replaces its saved copy, if there is one.
function page(request, url) {
  var key = savedKey(url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && /\/conduct$/.test(url.pathname)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) {
        return cache.match(key).then(function (hit) { return hit ? cache.put(key, copy) : null; });
      });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(key); })
      .then(function (hit) { return hit || Response.error(); });
  });
}

function photo(request) {
  return fetch(request).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request); })
      .then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") !== -1) {  // the portal's and Bootstrap's
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.indexOf("/attachments/") === 0) {
    event.respondWith(photo(request));
  }
});
