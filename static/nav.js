// On a phone the menu is one row that scrolls sideways: bring the current page's link into view.
document.addEventListener("DOMContentLoaded", () => {
  const current = document.querySelector(".main-nav a[aria-current]");
  const row = current && current.closest(".main-nav");
  if (current && row && row.scrollWidth > row.clientWidth) {
    row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  }
});
