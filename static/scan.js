// The scan page: read QR labels with the camera and open what they point to.
// Uses the browser's BarcodeDetector where it exists, otherwise the vendored jsQR.
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

  // Only addresses of this service are followed: a label from elsewhere is shown, not opened.
  function target(text) {
    try {
      var url = new URL(text, window.location.href);
      if (url.origin === window.location.origin && /^\/(a|rooms)\//.test(url.pathname)) {
        return url.pathname;
      }
      if (/^\/(a|rooms)\//.test(url.pathname)) { return url.pathname; }
    } catch (e) { /* not a URL: maybe a bare tag */ }
    if (/^[A-Za-z][A-Za-z0-9]{0,15}-\d{1,12}$/.test(text.trim())) {
      return "/a/" + text.trim().toUpperCase();
    }
    return null;
  }

  function found(text) {
    var path = target(text);
    if (path) {
      say(status.dataset.opening + " " + path);
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      window.location.assign(path);
      return true;
    }
    say(status.dataset.foreign + " " + text);
    return false;
  }

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

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(status.dataset.nocamera);
      return;
    }
    if ("BarcodeDetector" in window) {
      try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
    }
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
