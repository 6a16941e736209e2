// Loads the offline mode's scripts (idb, offline-store.js, its words, offline.js) once the
// page has loaded and painted: on a first visit over a slow link they no longer share the bandwidth with the page
// and its style sheets, the only files the first paint waits for (issue 14's budget). The
// service worker is registered after the load event anyway, as browsers advise.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !("serviceWorker" in navigator)) { return; }
  var sources = (me.dataset.scripts || "").split(" ").filter(Boolean);
  function load() {
    sources.forEach(function (source) {
      var script = document.createElement("script");
      script.src = source;
      script.async = false;  // in the order given: idb, then the store, then the page side
      document.head.appendChild(script);
    });
  }
  // Once the page has painted its content (or after 3 s): run at the load event itself, the
  // four scripts held the first paint of a cached visit back by up to 0.1 s.
  function afterPaint() {
    var started = false;
    function start() { if (!started) { started = true; load(); } }
    var types = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes;
    if (!types || types.indexOf("paint") < 0
        || performance.getEntriesByName("first-contentful-paint").length) { start(); return; }
    new PerformanceObserver(function (list, observer) {
      if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); start(); }
    }).observe({ type: "paint", buffered: true });
    setTimeout(start, 3000);
  }
  if (document.readyState === "complete") { afterPaint(); } else { window.addEventListener("load", afterPaint); }
})();
