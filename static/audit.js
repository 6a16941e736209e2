// The inventory audit of a room (/inventory/ID?room=ROOM): the camera scans label after label.
// Each new code beeps (or vibrates) once and is sent as the typed form would send it; the
// server answers the record's line (found / found here but registered elsewhere, with its
// one-tap move / unknown), put at the top of the list. A code already recorded in this room,
// or seen again while the camera still points at it, is ignored. Without this script the
// typed form below does the same, one page at a time.
// Decoder: the browser's BarcodeDetector where it reads QR codes, otherwise the vendored jsQR,
// fetched only when the camera starts (as on /scan).
(function () {
  "use strict";
  var box = document.getElementById("audit-scan");
  var form = document.getElementById("audit-form");
  var list = document.getElementById("checks");
  var status = document.getElementById("audit-status");
  if (!box || !form || !list || !window.fetch) { return; }
  var start = document.getElementById("audit-start");
  var video = document.getElementById("audit-video");
  var strings = box.dataset;
  var room = form.elements.room.value;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;
  var audio = null;
  var busy = false;
  var seen = {};  // tags recorded in this room: scanning them again does nothing

  Array.prototype.forEach.call(list.querySelectorAll("li[data-tag]"), function (line) {
    if (line.dataset.room === room) { seen[line.dataset.tag] = true; }
  });

  function say(text) { status.textContent = text; }

  function originOf(text) {
    try { return new URL(text).origin; } catch (e) { return ""; }
  }

  // The tag a code names, or null: a bare tag, or a label address of this service (the
  // page's own origin or the public address labels are printed with).
  function tagOf(text) {
    var value = (text || "").trim();
    if (value.indexOf("://") > 0) {
      var url;
      try { url = new URL(value); } catch (e) { return null; }
      var ours = [window.location.origin, originOf(strings.public || "")];
      var match = /^\/a\/([A-Za-z0-9-]{1,40})\/?$/.exec(url.pathname);
      return ours.indexOf(url.origin) >= 0 && match ? match[1].toUpperCase() : null;
    }
    return /^[A-Za-z][A-Za-z0-9]{0,15}-\d{1,12}$/.test(value) ? value.toUpperCase() : null;
  }

  // One short tone (higher when the device is in its place) and a vibration, per new code.
  function signal(good) {
    if (navigator.vibrate) { navigator.vibrate(good ? 60 : [60, 60, 60]); }
    if (!audio) { return; }
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.frequency.value = good ? 1320 : 440;
    gain.gain.value = 0.15;
    tone.connect(gain);
    gain.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.12);
  }

  // Sending one "seen": the form's fields (room, CSRF token) with this tag; resolves to the
  // record's line (HTML) or rejects with the reason to show. Kept in one function so that a
  // queue for working offline can take its place (window.inventoryAudit.send).
  function send(tag) {
    var data = new FormData(form);
    data.set("tag", tag);
    return window.fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { throw new Error(response.status === 400 ? text : strings.failed); }
        return text;
      });
    }, function () { throw new Error(strings.failed); });
  }

  // The server's line replaces the tag's old line (or goes first); the room's list of what
  // it should hold marks the device seen.
  function show(html) {
    var holder = document.createElement("ul");
    holder.innerHTML = html.trim();
    var line = holder.querySelector("li[data-tag]");
    if (!line) { return null; }
    var key = window.CSS && CSS.escape ? CSS.escape(line.dataset.tag) : line.dataset.tag;
    var old = list.querySelector('li[data-tag="' + key + '"]');
    if (old) { old.parentNode.removeChild(old); }
    list.insertBefore(line, list.firstChild);
    var empty = document.getElementById("checks-empty");
    if (empty) { empty.hidden = true; }
    var expected = document.querySelector('#expected li[data-tag="' + key + '"] .pill');
    if (expected && line.dataset.room === room) {
      expected.textContent = strings.seen;
      expected.className = "pill ok";
    }
    return line;
  }

  function record(tag) {
    if (seen[tag]) { return; }
    seen[tag] = true;
    window.inventoryAudit.send(tag).then(function (html) {
      var line = show(html);
      var result = line ? line.dataset.result : "";
      // "queued": kept on the phone offline (sw.js), sent when the connection returns.
      signal(result === "found" || result === "queued");
      if (line) { say(line.textContent.replace(/\s+/g, " ").trim()); }
    }, function (error) {
      delete seen[tag];  // not recorded: the next look at it tries again
      signal(false);
      say(tag + ": " + error.message);
    });
  }

  function found(text) {
    var tag = tagOf(text);
    if (tag) { record(tag); } else if (text) { say(strings.foreign + " " + text); }
  }
  window.inventoryAudit = { send: send, found: found, tagOf: tagOf };

  // Frames are decoded one at a time, a few per second: enough for label after label, and
  // the phone keeps some breath.
  function tick() {
    if (busy || video.readyState !== video.HAVE_ENOUGH_DATA) { return; }
    if (detector) {
      busy = true;
      detector.detect(video).then(function (codes) {
        codes.forEach(function (code) { found(code.rawValue); });
      }).catch(function () {}).then(function () { busy = false; });
      return;
    }
    if (!window.jsQR) { return; }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height,
                           { inversionAttempts: "dontInvert" });
    if (code) { found(code.data); }
  }

  function loadJsQR() {
    if (window.jsQR || document.getElementById("scan-jsqr")) { return; }
    var script = document.createElement("script");
    script.id = "scan-jsqr";
    script.src = strings.decoder;
    script.async = true;
    document.head.appendChild(script);
  }

  function chooseDecoder() {
    if (!("BarcodeDetector" in window)) { loadJsQR(); return; }
    var formats = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    formats.then(function (kinds) {
      if (kinds.indexOf("qr_code") < 0) { loadJsQR(); return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { detector = null; loadJsQR(); });
  }

  // The typed form (or a keyboard-like scanner) goes the same way, without leaving the page.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = form.elements.tag;
    var tag = input.value.trim().toUpperCase();
    if (!tag) { return; }
    delete seen[tag];  // typed on purpose: recorded again
    input.value = "";
    record(tag);
  });

  // "Move it here": one tap, the line is replaced by the answer.
  list.addEventListener("submit", function (event) {
    var move = event.target;
    if (!move.classList || !move.classList.contains("move-form")) { return; }
    event.preventDefault();
    window.fetch(move.action, {
      method: "POST", body: new FormData(move), credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(strings.failed); }
      return response.text();
    }).then(function (html) {
      var line = show(html);
      if (line) { say(line.textContent.replace(/\s+/g, " ").trim()); }
    }).catch(function (error) { say(error.message); });
  });

  box.hidden = false;
  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(strings.nocamera);
      return;
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !audio) { try { audio = new Context(); } catch (e) { audio = null; } }
    chooseDecoder();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        start.hidden = true;
        return video.play();
      })
      .then(function () { say(strings.scanning); window.setInterval(tick, 150); })
      .catch(function () { say(strings.nocamera); });
  });
}());
