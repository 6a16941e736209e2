// Loads the offline mode's scripts (idb, offline-store.js, offline.js) once the page has
// loaded: on a first visit over a slow link they no longer share the bandwidth with the page
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
  if (document.readyState === "complete") { load(); } else { window.addEventListener("load", load); }
})();
