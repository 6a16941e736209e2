// The scan page: read QR labels with the camera and open what they point to.
// Uses the browser's BarcodeDetector where it reads QR codes; otherwise the vendored jsQR
// (257 KB), fetched only then, once the camera is asked for: a weak link is spent on the
// page first.
(function () {
  "use strict";
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var start = document.getElementById("scan-start");
  if (!video || !start) { return; }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;
  var stream = null;

  function say(text) { status.textContent = text; }

  function originOf(text) {
    try { return new URL(text).origin; } catch (e) { return ""; }
  }

  // Only labels of this service are followed: the page's own address or the public address
  // labels are printed with (inventory/assets/scanning.py says the same). A label of another
  // installation (same /a/ path, another host) is shown with its address, never opened.
  // Answers {open: path}, {elsewhere: address} or {other: text}.
  function target(text) {
    var value = (text || "").trim();
    var ours = [window.location.origin, originOf(status.dataset.public || "")];
    if (value.indexOf("://") > 0) {
      var url;
      try { url = new URL(value); } catch (e) { return { other: value }; }
      var path = url.pathname.replace(/\/+$/, "");
      if (ours.indexOf(url.origin) < 0) { return { elsewhere: value }; }
      if (/^\/(a|rooms)\/[A-Za-z0-9-]{1,40}$/.test(path)) { return { open: path }; }
      return { other: value };
    }
    if (/^[A-Za-z][A-Za-z0-9]{0,15}-\d{1,12}$/.test(value)) {
      return { open: "/a/" + value.toUpperCase() };
    }
    return { other: value };
  }

  function found(text) {
    var result = target(text);
    if (result.open) {
      say(status.dataset.opening + " " + result.open);
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      window.location.assign(result.open);
      return true;
    }
    if (result.elsewhere) {
      say(status.dataset.elsewhere + " " + result.elsewhere);
    } else {
      say(status.dataset.foreign + " " + result.other);
    }
    return false;
  }
  // For the browser tests: the rule and its message, without a camera.
  window.inventoryScan = { target: target, found: found };

  function tick() {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      if (detector) {
        detector.detect(video).then(function (codes) {
          if (codes.length && found(codes[0].rawValue)) { return; }
          window.requestAnimationFrame(tick);
        }).catch(function () { window.requestAnimationFrame(tick); });
        return;
      }
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR ? window.jsQR(image.data, image.width, image.height,
                                           { inversionAttempts: "dontInvert" }) : null;
      if (code && found(code.data)) { return; }
    }
    window.requestAnimationFrame(tick);
  }

  function loadJsQR() {
    if (window.jsQR || document.getElementById("scan-jsqr")) { return; }
    var script = document.createElement("script");
    script.id = "scan-jsqr";
    script.src = start.dataset.decoder;
    script.async = true;
    document.head.appendChild(script);
  }

  // Until one is chosen, frames are only skipped (tick finds neither decoder).
  function chooseDecoder() {
    if (!("BarcodeDetector" in window)) { loadJsQR(); return; }
    var formats = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
    formats.then(function (list) {
      if (list.indexOf("qr_code") < 0) { loadJsQR(); return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { detector = null; loadJsQR(); });
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(status.dataset.nocamera);
      return;
    }
    chooseDecoder();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        start.hidden = true;
        return video.play();
      })
      .then(function () { say(status.dataset.scanning); window.requestAnimationFrame(tick); })
      .catch(function () { say(status.dataset.nocamera); });
  });
}());
