// The service worker, served at /sw.js so that its scope is the whole site (see
// inventory/offline/controllers.py). Online, every page comes from the server as usual and
// nothing is stored. It adds three things:
// - static files by content name (immutable), kept in a cache shared by everyone;
// - when the network fails, the kept copy of a page ("take this site offline"), only from
//   the cache of the person signed in on this phone, marked with the time it was kept;
// - when the network fails, a form of a kept page (seen here, intervention, move, fault
//   report, a label scanned in an inventory audit) becomes an action queued on the phone;
//   offline.js sends the queue in order through the JSON API when the connection returns.
"use strict";
importScripts("__IDB_URL__", "__STORE_URL__");

var VERSION = "__VERSION__";  // a new service worker whenever this file or its helpers change
var STATIC = "static-v1";
var HASHED = /\.[0-9a-f]{10}\.[A-Za-z0-9]+$/;
var QUEUEABLE = /^\/a\/[^/]+\/(seen|interventions|move)$|^\/faults\/new$|^\/inventory\/\d+\/check$/;
// An audit's scans are sent by audit.js (not a navigation): queued all the same.
var SENT_BY_SCRIPT = /^\/inventory\/\d+\/check$/;
// The notes a page shows after an action: the kept copy is the page without them.
var MARKERS = ["queued", "seen", "logged", "last", "result"];
var store = self.inventoryOffline;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request, url));
  } else if (request.method === "GET" && request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return keptPage(url); }));
  } else if (request.method === "POST" && url.pathname === "/logout") {
    event.respondWith(signOut(request));
  } else if (request.method === "POST" && QUEUEABLE.test(url.pathname) &&
             (request.mode === "navigate" || SENT_BY_SCRIPT.test(url.pathname))) {
    event.respondWith(postOrQueue(request, url));
  }
});

async function staticFile(request, url) {
  var cache = await caches.open(STATIC);
  var hit = await cache.match(request);
  if (hit) { return hit; }
  var response = await fetch(request);
  if (response.ok && HASHED.test(url.pathname)) { await cache.put(request, response.clone()); }
  return response;
}

async function currentUser() {
  var current = await store.getMeta("current");
  return current && current.user ? String(current.user) : "";
}

async function keptPage(url) {
  var user = await currentUser();
  if (user) {
    if (url.pathname === "/scan" && url.searchParams.get("tag")) {
      var tag = await store.findTag(user, url.searchParams.get("tag"));
      if (tag) {
        return Response.redirect(new URL("/a/" + encodeURIComponent(tag),
                                          self.location.origin).href, 303);
      }
    }
    var cache = await caches.open(store.keptCache(user));
    var key = new URL(url.href);
    MARKERS.forEach(function (name) { key.searchParams.delete(name); });
    key.hash = "";
    var hit = await cache.match(key.pathname + key.search);
    if (hit) { return annotated(hit, false); }
    var fallback = await cache.match("/offline");
    if (fallback) { return annotated(fallback, true); }
  }
  return plainPage("missing");
}

// The kept copy, with the time it was kept on its <body> for offline.js to say so.
async function annotated(response, missing) {
  var keptAt = (response.headers.get("x-kept-at") || "").replace(/[^0-9A-Za-z:.+-]/g, "");
  var text = await response.text();
  text = text.replace("<body", '<body data-kept-at="' + keptAt + '"' +
                      (missing ? ' data-kept-missing="1"' : ""));
  return new Response(text, { headers: { "content-type": "text/html; charset=utf-8" } });
}

async function plainPage(name) {
  var saved = (await store.getMeta("strings")) || {};
  var text = (saved.strings || {})[name] || "Offline.";
  var safe = escaped(text);
  return new Response("<!doctype html><html lang=\"" + (saved.lang || "fr") + "\"><meta " +
                      "charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-" +
                      "width, initial-scale=1\"><title>" + safe + "</title><p>" + safe +
                      "</p><p><a href=\"/\">/</a></p></html>",
                      { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
}

// A form posted from a page: to the server when it can be reached and nothing of this
// person waits before it (actions go in the order they were made); else queued.
async function postOrQueue(request, url) {
  var user = await currentUser();
  if (!user) { return fetch(request); }
  var copy = request.clone();
  var waiting = (await store.queue(user)).filter(function (i) { return i.state === "waiting"; });
  if (!waiting.length && self.navigator.onLine !== false) {
    try {
      return await fetch(request);
    } catch (error) { /* no connection: kept below */ }
  }
  return enqueue(user, url, copy);
}

async function enqueue(user, url, request) {
  var data = await request.formData();
  var form = {};
  data.forEach(function (value, name) {
    if (typeof value === "string") { form[name] = value; }
    else if (value && value.size) { form.photo_given = true; }
  });
  var action = store.actionOf(url.pathname, form);
  var device = action.tag ? await store.device(user, action.tag) : null;
  // The version the phone saw goes with every action on a device: the server refuses it
  // (409) if the device changed meanwhile. A move carries its form's own; an audit's scan
  // changes nothing of the device (the server says where it is registered now).
  if (device && action.kind !== "move" && action.kind !== "check" &&
      (action.kind !== "fault" || action.body.asset)) {
    action.body.version = device.version;
  }
  if (action.kind === "move") {
    action.target = action.body.room ? await store.roomName(user, action.body.room) : "";
  }
  var item = Object.assign(action, { user: user, key: store.newKey(),
                                     at: new Date().toISOString(), state: "waiting",
                                     seen: device || null });
  await store.add(item);
  var all = await self.clients.matchAll();
  all.forEach(function (client) { client.postMessage({ type: "queued" }); });
  if (request.mode !== "navigate") { return queuedLine(user, item, device); }
  var back = action.back ? action.back + (action.back.indexOf("?") < 0 ? "?" : "&") + "queued=1"
    : action.tag ? "/a/" + encodeURIComponent(action.tag) + "?queued=1" : "/offline?queued=1";
  return Response.redirect(new URL(back, self.location.origin).href, 303);
}

function escaped(text) {
  return String(text).replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c];
  });
}

// What audit.js shows for a scan kept on the phone: the audit's line, "waiting to send",
// with what the phone knows of the device (the server decides found or elsewhere).
async function queuedLine(user, item, device) {
  var words = ((await store.getMeta("strings")) || {}).strings || {};
  var word = function (name, values) {
    return (words[name] || name).replace(/\{(\w+)\}/g, function (all, key) {
      return values && key in values ? String(values[key]) : all;
    });
  };
  var what = device ? [device.category_name, word("registered_in", {
    room: (device.room_name || word("no_room")) + " (" + device.site_name + ")" })]
    .filter(Boolean).join(" · ") : word("not_kept");
  var room = item.body.room === undefined ? "" : String(item.body.room);
  return new Response(
    "<li data-tag=\"" + escaped(item.tag) + "\" data-room=\"" + escaped(room) + "\" " +
    "data-result=\"queued\"><strong>" + escaped(item.tag) + "</strong> <span class=\"pill\">" +
    escaped(word("state_waiting")) + "</span>\n<br><small>" + escaped(what) + "</small></li>",
    { status: 202, headers: { "content-type": "text/html; charset=utf-8" } });
}

// Signing out forgets what this person kept (pages, devices) on the phone; their queue
// stays, and is sent once they sign in again. Without a connection the server's session
// lives on: offline.js ends it at the first page shown online (sign_out_pending).
async function signOut(request) {
  var user = await currentUser();
  if (user) { await store.forgetKept(user); }
  await store.setMeta("current", { user: "", at: new Date().toISOString() });
  try {
    var answer = await fetch(request);
    await store.setMeta("sign_out_pending", null);
    return answer;
  } catch (error) {
    if (user) { await store.setMeta("sign_out_pending", { user: user }); }
    return plainPage("signed_out");
  }
}
