// The offline mode, page side (issue 14): registers the service worker (sw.js), says when a
// page is a kept copy and how old, shows what waits to be sent, keeps a site ("take this
// site offline") and sends the queue in order through the JSON API when the connection
// returns. Without service workers (or JavaScript) nothing here runs and every page works
// online as before. Words come from offline-words.<language>.js, loaded just before.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.inventoryOffline || !window.caches) { return; }
  var store = window.inventoryOffline;
  var boot = document.getElementById("offline-boot");
  var words = window.inventoryOfflineWords;
  if (!boot || !words) { return; }
  var lang = boot.dataset.lang || "fr";
  var keptAt = document.body.dataset.keptAt;  // set by sw.js on a kept copy
  var fromKept = keptAt !== undefined;
  var user = "";
  var syncing = false;

  function t(name, values) {
    return (words[name] || name).replace(/\{(\w+)\}/g, function (all, key) {
      return values && key in values ? String(values[key]) : all;
    });
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    (children || []).forEach(function (child) {
      if (child == null) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date)) { return ""; }
    return new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short",
                                           timeZone: "Europe/Paris" }).format(date);
  }

  function age(iso) {
    var minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
    if (minutes < 1) { return t("just_now"); }
    if (minutes < 120) { return t("minutes", { n: minutes }); }
    if (minutes < 48 * 60) { return t("hours", { n: Math.round(minutes / 60) }); }
    return t("days", { n: Math.round(minutes / 1440) });
  }

  // The banner: a kept copy and its age, what waits to be sent, what must be settled.
  async function banner() {
    var box = document.getElementById("offline-banner");
    if (!box) { return; }
    var lines = [];
    if (fromKept) {
      box.classList.add("kept");
      lines.push(document.body.dataset.keptMissing ? t("missing")
                 : t("kept", { when: when(keptAt), age: age(keptAt) }));
    } else if (!navigator.onLine) {
      lines.push(t("offline"));
    }
    if (new URLSearchParams(window.location.search).get("queued")) { lines.push(t("queued")); }
    var items = user ? await store.queue(user) : [];
    var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
    var settle = items.filter(function (i) {
      return i.state === "conflict" || i.state === "error";
    }).length;
    var link = null;
    if (waiting) {
      var text = waiting === 1 ? t("waiting_one") : t("waiting", { n: waiting });
      if (await store.getMeta("needs_sign_in:" + user)) { text += " " + t("sign_in"); }
      lines.push(text);
    }
    if (settle) { lines.push(t("conflicts", { n: settle })); }
    if ((waiting || settle) && window.location.pathname !== "/offline") {
      link = el("a", { href: "/offline", id: "offline-see" }, [t("see")]);
    }
    box.textContent = "";
    lines.forEach(function (line) { box.appendChild(el("p", {}, [line])); });
    if (link) { box.appendChild(el("p", {}, [link])); }
    box.hidden = !lines.length;
    if (window.location.pathname === "/offline") { drawQueue(items); }
  }

  // Who the server's session belongs to now, and its CSRF token (a kept copy's may be
  // old): null without a connection; {user: ""} when signed out or expired.
  async function session() {
    var response;
    try {
      response = await fetch("/offline", { credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return null;
    }
    if (!response.ok || /\/login/.test(response.url)) { return { user: "" }; }
    var page = new DOMParser().parseFromString(await response.text(), "text/html");
    var fresh = page.getElementById("offline-boot");
    return fresh ? { user: fresh.dataset.user || "", csrf: fresh.dataset.csrf || "" } : null;
  }

  // The queue of the person signed in, oldest first, once each: the idempotency key makes
  // a send retried after a lost answer count once on the server.
  async function sync() {
    if (syncing || !user) { return; }
    syncing = true;
    try {
      var items = (await store.queue(user)).filter(function (i) { return i.state === "waiting"; });
      if (!items.length) { return; }
      var who = await session();
      if (!who) { return; }
      if (who.user !== user) {  // signed out, expired, or someone else: keep the queue
        await store.setMeta("needs_sign_in:" + user, true);
        return;
      }
      await store.setMeta("needs_sign_in:" + user, false);
      for (var i = 0; i < items.length; i++) {
        if (!(await send(items[i], who))) { break; }
      }
    } finally {
      syncing = false;
      banner();
    }
  }

  // One action; false to stop here (no connection, session gone, server down).
  async function send(item, who) {
    var response;
    try {
      response = await fetch(item.url, {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrftoken": who.csrf,
                   "idempotency-key": item.key },
        body: JSON.stringify(item.body)
      });
    } catch (error) {
      return false;
    }
    if (response.status === 401) {
      await store.setMeta("needs_sign_in:" + user, true);
      return false;
    }
    if (response.status >= 500 || response.status === 429) { return false; }
    var answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    item.answer = answer;
    item.status = response.status;
    if (response.ok) {
      item.state = "sent";
      item.sent_at = new Date().toISOString();
      await store.put(item);
      await follow(item, answer);
    } else {
      item.state = response.status === 409 ? "conflict" : "error";
      await store.put(item);
    }
    return true;
  }

  // After our own change of a device (a move, a fault that made it faulty), the later
  // actions queued on it saw the version before: they carry the new one, so that only a
  // change made by someone else meanwhile is a conflict.
  async function follow(item, answer) {
    if (!item.tag || !item.seen || item.kind === "intervention" || item.kind === "check") {
      return;  // these change nothing of the device's version
    }
    var now = answer && answer.version !== undefined && answer.tag === item.tag ? answer : null;
    if (!now) {
      try {
        var read = await fetch("/api/v1/assets/" + encodeURIComponent(item.tag),
                               { credentials: "same-origin" });
        if (!read.ok) { return; }
        now = await read.json();
      } catch (error) {
        return;
      }
    }
    var before = item.seen.version;
    var later = await store.queue(user);
    for (var i = 0; i < later.length; i++) {
      var next = later[i];
      if (next.id > item.id && next.state === "waiting" && next.tag === item.tag &&
          next.seen && next.seen.version === before) {
        next.seen = Object.assign({}, next.seen, { version: now.version,
                                                   room: now.room, room_name: now.room_name });
        if (next.body.version !== undefined) { next.body.version = now.version; }
        await store.put(next);
      }
    }
  }

  // "Take this site offline": its pages, the static files they use, its devices' versions.
  async function keep(section, button) {
    var progress = section.querySelector(".offline-progress");
    button.disabled = true;
    try {
      var listed = await fetch(section.dataset.url, { credentials: "same-origin" });
      if (!listed.ok) { throw new Error(String(listed.status)); }
      var kept = await listed.json();
      var statics = await caches.open("static-v1");
      await Promise.all(kept.static.map(function (address) {
        return statics.add(address).catch(function () { return null; });
      }));
      var cache = await caches.open(store.keptCache(user));
      var done = 0;
      var queue = kept.pages.slice();
      async function worker() {
        while (queue.length) {
          var address = queue.shift();
          var page = await fetch(address, { credentials: "same-origin" });
          if (/\/login/.test(page.url)) { throw new Error("401"); }
          if (page.ok) {
            await cache.put(address, new Response(await page.blob(), { headers: {
              "content-type": page.headers.get("content-type") || "text/html",
              "x-kept-at": kept.kept_at } }));
          }
          done += 1;
          progress.textContent = t("keeping", { done: done, total: kept.pages.length });
        }
      }
      await Promise.all([worker(), worker(), worker()]);
      await store.keepSite(user, kept);
      progress.textContent = t("kept_done", { n: kept.pages.length, when: when(kept.kept_at) });
      section.dataset.kept = kept.kept_at;
    } catch (error) {
      progress.textContent = t("keep_failed", { error: error.message });
    } finally {
      button.disabled = false;
    }
  }

  function place(snapshot, seen) {
    if (!snapshot) { return ""; }
    var siteName = snapshot.site_name ||
      (seen && seen.site === snapshot.site ? seen.site_name : snapshot.site);
    return [siteName, snapshot.room_name || t("no_room"),
            snapshot.status_label || words["status_" + snapshot.status] || snapshot.status]
      .join(" · ");
  }

  function versions(item) {
    var current = item.answer && item.answer.current;
    return el("div", { class: "versions" }, [
      el("div", { class: "you-saw" }, [el("strong", {}, [t("you_saw")]), el("br"),
        place(item.seen), el("br"),
        el("small", {}, [item.seen ? t("version", { n: item.seen.version }) : ""])]),
      el("div", { class: "now" }, [el("strong", {}, [t("now")]), el("br"),
        current ? place(current, item.seen) : "", el("br"),
        el("small", {}, [current ? t("version", { n: current.version }) : ""])])
    ]);
  }

  function problems(item) {
    var answer = item.answer || {};
    var fields = answer.fields || {};
    return el("p", { class: "field-error" }, [answer.detail || String(item.status || ""),
      Object.keys(fields).map(function (k) { return " " + k + ": " + fields[k]; }).join(";")]);
  }

  async function drawQueue(items) {
    var list = document.getElementById("offline-queue");
    if (!list) { return; }
    list.textContent = "";
    if (document.body.dataset.keptMissing) {
      var missing = document.getElementById("offline-missing");
      missing.textContent = t("missing");
      missing.hidden = false;
    }
    var shown = items.filter(function (i) { return i.state !== "sent"; })
      .concat(items.filter(function (i) { return i.state === "sent"; }).slice(-10));
    if (!shown.length) { list.appendChild(el("li", {}, [t("nothing")])); }
    shown.forEach(function (item) {
      var parts = [el("strong", {}, [t("kind_" + item.kind) + (item.tag ? " · " + item.tag : "")]),
                   " ", el("small", {}, [t("queued_at", { when: when(item.at) })]), el("br"),
                   el("span", { class: "state" }, [t("state_" + item.state) +
                     (item.sent_at ? " · " + when(item.sent_at) : "")])];
      if (item.kind === "move") {
        parts.push(el("br"), el("span", { class: "target" },
                                [t("move_to", { room: item.target || t("no_room") })]));
      }
      if (item.photo) { parts.push(el("br"), el("small", {}, [t("photo_dropped")])); }
      if (item.state === "conflict") {
        parts.push(versions(item));
        var again = el("button", { type: "button", class: "secondary" }, [t("send_anyway")]);
        again.addEventListener("click", async function () {
          var current = item.answer && item.answer.current;
          if (current && current.version !== undefined) { item.body.version = current.version; }
          item.key = store.newKey();  // a new decision: a new action for the server
          item.state = "waiting";
          await store.put(item);
          await sync();
          banner();
        });
        parts.push(again);
      }
      if (item.state === "error") { parts.push(problems(item)); }
      if (item.state === "conflict" || item.state === "error" || item.state === "waiting") {
        var drop = el("button", { type: "button", class: "outline" }, [t("drop")]);
        drop.addEventListener("click", async function () {
          await store.remove(item.id);
          banner();
        });
        parts.push(drop);
      }
      list.appendChild(el("li", { class: "state-" + item.state, "data-id": String(item.id),
                                  "data-kind": item.kind, "data-state": item.state }, parts));
    });
    drawSites();
  }

  async function drawSites() {
    var list = document.getElementById("offline-sites");
    if (!list) { return; }
    var sites = user ? await store.sites(user) : [];
    list.textContent = "";
    document.getElementById("offline-no-site").hidden = sites.length > 0;
    sites.forEach(function (site) {
      var forget = el("button", { type: "button", class: "outline" }, [t("forget")]);
      forget.addEventListener("click", async function () {
        await store.forgetSite(user, site.code);
        drawSites();
      });
      list.appendChild(el("li", {}, [
        el("a", { href: "/sites/" + encodeURIComponent(site.code) }, [site.name]), el("br"),
        el("small", {}, [t("kept_site", { when: when(site.kept_at), age: age(site.kept_at) })]),
        el("br"), forget]));
    });
  }

  // A sign-out made without a connection: the server's session is ended now, by the same
  // request the button sends (through sw.js, which forgets what was kept).
  async function finishSignOut() {
    var pending = await store.getMeta("sign_out_pending");
    if (!pending || !navigator.onLine) { return false; }
    if (pending.user !== (boot.dataset.user || "")) {  // that session is over already
      await store.setMeta("sign_out_pending", null);
      return false;
    }
    try {
      await fetch("/logout", { method: "POST", credentials: "same-origin",
                               body: new URLSearchParams({ _csrf_token: boot.dataset.csrf }) });
    } catch (error) {
      return false;
    }
    window.location.assign("/login");
    return true;
  }

  async function start() {
    if (fromKept) {  // the page is the phone's: the person is the one it was kept for
      user = boot.dataset.user || "";
    } else {
      if (await finishSignOut()) { return; }
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
      user = boot.dataset.user || "";
      var last = await store.getMeta("last_user");
      if (user && last && last !== user) {
        await store.forgetKept(last);  // someone else signs in on this phone
      }
      if (user) { await store.setMeta("last_user", user); }
      await store.setMeta("current", { user: user, at: new Date().toISOString() });
      await store.setMeta("strings", { strings: words, lang: lang });
    }
    var section = document.getElementById("offline-take");
    if (section && user) {
      var button = section.querySelector("button");
      button.addEventListener("click", function () { keep(section, button); });
      section.hidden = false;
    }
    var sendNow = document.getElementById("offline-send");
    if (sendNow) { sendNow.addEventListener("click", sync); }
    window.addEventListener("online", function () { banner(); sync(); });
    window.addEventListener("offline", banner);
    navigator.serviceWorker.addEventListener("message", function () { banner(); });
    await banner();
    if (navigator.onLine) { await sync(); }
  }

  // For the browser tests: send the queue now, and read it.
  window.inventoryOfflinePage = { sync: sync, queue: function () { return store.queue(user); } };
  start();
})();
