// The phone's offline store, shared by the pages (offline.js) and the service worker
// (sw.js): IndexedDB through the vendored idb. It holds who is signed in on this phone,
// each person's kept devices and sites, and their queue of actions waiting to be sent.
// Everything is kept per account: one person never sees another's kept pages or queue.
(function (root) {
  "use strict";
  var opened = null;

  function db() {
    if (!opened) {
      opened = root.idb.openDB("inventory-offline", 1, {
        upgrade: function (base) {
          base.createObjectStore("meta");
          base.createObjectStore("queue", { keyPath: "id", autoIncrement: true })
            .createIndex("user", "user");
          base.createObjectStore("devices", { keyPath: "key" }).createIndex("user", "user");
          base.createObjectStore("sites", { keyPath: "key" }).createIndex("user", "user");
        }
      });
    }
    return opened;
  }

  function keptCache(user) { return "kept-" + user; }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // A form's whole number as a number (the API reads types strictly); anything else is
  // sent as typed, and the server says what is wrong with it.
  function whole(value) {
    var text = String(value == null ? "" : value).trim();
    var number = Number(text);
    return text !== "" && Number.isInteger(number) ? number : text;
  }

  function cents(value) {
    var text = String(value || "").replace(/[\s\u00a0€]/g, "").replace(",", ".");
    if (!text) { return undefined; }
    var number = Number(text);
    return isFinite(number) ? Math.round(number * 100) : String(value);
  }

  function filled(body) {
    var out = {};
    Object.keys(body).forEach(function (k) {
      if (body[k] !== undefined && body[k] !== "") { out[k] = body[k]; }
    });
    return out;
  }

  // A form posted from a kept page, as the JSON API call that does the same (null: not
  // an action that can wait). `form` is a plain object of the form's fields.
  function actionOf(path, form) {
    var m;
    var tag;
    if ((m = path.match(/^\/a\/([^/]+)\/(seen|interventions|move)$/))) {
      tag = decodeURIComponent(m[1]).toUpperCase();
      var api = "/api/v1/assets/" + encodeURIComponent(tag) + "/";
      if (m[2] === "seen") {
        return { kind: "seen", tag: tag, url: api + "seen", body: {} };
      }
      if (m[2] === "interventions") {
        return { kind: "intervention", tag: tag, url: api + "interventions", body: filled({
          kind: form.kind, done_on: form.done_on,
          minutes_spent: form.minutes_spent ? whole(form.minutes_spent) : undefined,
          parts: form.parts, cost_cents: cents(form.cost_eur), notes: form.notes }) };
      }
      return { kind: "move", tag: tag, url: api + "move", body: {
        site: form.site || "", room: form.room ? whole(form.room) : null,
        version: whole(form.version) } };
    }
    if ((m = path.match(/^\/inventory\/(\d+)\/check$/))) {  // a label scanned in an audit
      tag = String(form.tag || "").trim().toUpperCase();
      var room = form.room ? whole(form.room) : null;
      return { kind: "check", tag: tag, url: "/api/v1/campaigns/" + m[1] + "/checks",
               body: room === null ? { tag: tag } : { tag: tag, room: room },
               back: "/inventory/" + m[1] + (room === null ? "" : "?room=" + room) };
    }
    if (path === "/faults/new") {
      tag = (form.asset || (form.device && form.device !== "room" ? form.device : "") || "")
        .toUpperCase();
      var body = filled({ symptom: form.symptom, description: form.description });
      if (tag) { body.asset = tag; } else { body.room = whole(form.room); }
      if (form.teaching_blocked) { body.teaching_blocked = true; }
      return { kind: "fault", tag: tag, url: "/api/v1/faults", body: body,
               photo: !!form.photo_given };
    }
    return null;
  }

  async function queue(user) {
    var items = await (await db()).getAllFromIndex("queue", "user", String(user));
    return items.sort(function (a, b) { return a.id - b.id; });
  }

  async function keepSite(user, kept) {
    var base = await db();
    var tx = base.transaction(["devices", "sites"], "readwrite");
    user = String(user);
    kept.devices.forEach(function (d) {
      tx.objectStore("devices").put(Object.assign({ key: user + "|" + d.tag, user: user,
                                                    kept_at: kept.kept_at }, d));
    });
    tx.objectStore("sites").put({ key: user + "|" + kept.site, user: user, code: kept.site,
                                  name: kept.name, kept_at: kept.kept_at,
                                  rooms: kept.rooms || [],
                                  pages: kept.pages.length, devices: kept.devices.length });
    await tx.done;
  }

  async function forgetSite(user, code) {
    var base = await db();
    user = String(user);
    var cache = await caches.open(keptCache(user));
    var devices = await base.getAllFromIndex("devices", "user", user);
    var site = await base.get("sites", user + "|" + code);
    for (var i = 0; i < devices.length; i++) {
      if (devices[i].site === code) { await base.delete("devices", devices[i].key); }
    }
    await base.delete("sites", user + "|" + code);
    if (site) {  // the site's own pages; rooms and devices go with a new keep
      await cache.delete("/sites/" + encodeURIComponent(code));
    }
  }

  // What a person kept (pages and devices) goes at sign-out or when someone else signs in
  // on this phone; their queue stays until they sign in again.
  async function forgetKept(user) {
    var base = await db();
    user = String(user);
    await caches.delete(keptCache(user));
    var stores = ["devices", "sites"];
    for (var s = 0; s < stores.length; s++) {
      var keys = await base.getAllKeysFromIndex(stores[s], "user", user);
      for (var k = 0; k < keys.length; k++) { await base.delete(stores[s], keys[k]); }
    }
  }

  // A typed or scanned tag among the kept devices: "BRN-000023", "brn-23", "23", "000023".
  async function findTag(user, typed) {
    var text = String(typed || "").trim().toUpperCase();
    var devices = await (await db()).getAllFromIndex("devices", "user", String(user));
    var exact = devices.filter(function (d) { return d.tag === text; });
    if (exact.length) { return exact[0].tag; }
    var m = text.match(/^(?:([A-Z][A-Z0-9]*)-?)?0*(\d{1,12})$/);
    if (!m) { return null; }
    var found = devices.filter(function (d) {
      var t = d.tag.match(/^([A-Z][A-Z0-9]*)-0*(\d+)$/);
      return t && t[2] === (m[2].replace(/^0+/, "") || "0") && (!m[1] || m[1] === t[1]);
    });
    return found.length === 1 ? found[0].tag : null;
  }

  // A room's name among the person's kept sites (what a queued move is shown going to).
  async function roomName(user, id) {
    var sites = await (await db()).getAllFromIndex("sites", "user", String(user));
    for (var s = 0; s < sites.length; s++) {
      var room = (sites[s].rooms || []).filter(function (r) { return r.id === id; })[0];
      if (room) { return room.name; }
    }
    return "";
  }

  root.inventoryOffline = {
    roomName: roomName,
    db: db, keptCache: keptCache, newKey: newKey, actionOf: actionOf, queue: queue,
    keepSite: keepSite, forgetSite: forgetSite, forgetKept: forgetKept, findTag: findTag,
    getMeta: async function (name) { return (await db()).get("meta", name); },
    setMeta: async function (name, value) { return (await db()).put("meta", value, name); },
    add: async function (item) { return (await db()).add("queue", item); },
    put: async function (item) { return (await db()).put("queue", item); },
    remove: async function (id) { return (await db()).delete("queue", id); },
    device: async function (user, tag) {
      return (await db()).get("devices", String(user) + "|" + tag);
    },
    sites: async function (user) {
      return (await db()).getAllFromIndex("sites", "user", String(user));
    }
  };
})(self);
