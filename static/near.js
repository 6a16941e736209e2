// The technician's home: "Nearest sites first". With the person's consent the browser gives
// the phone's position; the page is asked again with ?near=<latitude>,<longitude> and the
// server orders the fault queue by distance (sites without a position last). The choice is
// remembered on this phone, so the next visit to the home asks the position again by
// itself (a recent one is reused); "Sort by site" forgets it. Without this script, or
// without a position, the queue is in site order: the person's own sites first.
(function () {
  "use strict";
  var KEY = "inventory.nearest-first";
  var off = document.getElementById("near-off");
  if (off) {
    off.addEventListener("click", function () { remember(false); });
  }
  var box = document.getElementById("queue-near");
  if (!box || !navigator.geolocation) { return; }
  var button = box.querySelector("button");
  var status = box.querySelector("[role=status]");

  function remember(on) {
    try {
      if (on) { localStorage.setItem(KEY, "1"); } else { localStorage.removeItem(KEY); }
    } catch (e) { /* private browsing: the choice lasts this page only */ }
  }
  function remembered() {
    try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function go(position) {
    var where = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
    location.replace("/?near=" + where);
  }
  function failed() {
    status.textContent = box.dataset.failed;
    button.disabled = false;
    remember(false);
  }
  function ask() {
    status.textContent = box.dataset.asking;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(go, failed,
      { maximumAge: 5 * 60 * 1000, timeout: 15 * 1000 });
  }

  box.hidden = false;
  button.addEventListener("click", function () { remember(true); ask(); });
  if (remembered()) { ask(); }
})();
