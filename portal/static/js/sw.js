// The portal's service worker (served at /sw.js, so its scope is the whole portal).
//
// It keeps two caches: the static files (fingerprinted URLs, which never change) and the
// pages the auditor saved with "Make available offline" (static/js/audits-offline.js puts
// them there). With a connection every page comes from the server as usual; without one, a
// saved page answers instead. An audit's page and its conduct page both open the saved
// conduct page. Nothing else is cached, and no request is changed.
//
// Saved pages and photos are only answered while someone is signed in on this device: every
// signed-in page writes a marker (static/js/offline.js), and signing out removes it along with
// the saved pages. A saved audit whose page answers "not found" or "conflict" (cancelled, out
// of reach) is released.
"use strict";

var PAGES = "portal-pages";
var STATIC = "portal-static";
var OWNER = "portal-owner";
var OWNER_KEY = "/offline-owner";

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

// A saved copy, only while a signed-in page has marked this device as someone's.
function saved(key) {
  return caches.match(OWNER_KEY, { cacheName: OWNER }).then(function (owner) {
    return owner ? caches.match(key, { cacheName: PAGES }) : undefined;
  }).then(function (hit) { return hit || Response.error(); });
}

// A conduct page opened with a connection replaces its saved copy, if there is one; an
// audit's page that is gone or can no longer be conducted releases it.
function page(request, url) {
  var key = savedKey(url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && /\/conduct$/.test(url.pathname)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) {
        return cache.match(key).then(function (hit) { return hit ? cache.put(key, copy) : null; });
      });
    } else if ((response.status === 404 || response.status === 409) && key !== url.pathname) {
      caches.open(PAGES).then(function (cache) { return cache.delete(key); });
    }
    return response;
  }).catch(function () { return saved(key); });
}

function photo(request) {
  return fetch(request).catch(function () { return saved(request); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/bootstrap/static/")) {
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.indexOf("/attachments/") === 0) {
    event.respondWith(photo(request));
  }
});
