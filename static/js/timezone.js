// Tell Tendon the reader's time zone, so times on its pages are in their own clock. When the
// page was drawn in another zone (a first visit, or the reader travelled), draw it again once,
// so the right times show on the first page, not the next one.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  if (document.cookie.indexOf("tz=" + zone) === -1) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
  var meta = document.querySelector('meta[name="tendon-time-zone"]');
  var drawnIn = meta ? meta.getAttribute("content") : zone;
  var tried = "tz-reloaded-" + zone;
  // Only for a page fetched with GET (the page has no meta otherwise), only once per zone and tab (a zone the server does not
  // know would otherwise reload for ever), and only if the cookie was kept.
  if (drawnIn && drawnIn !== zone && document.cookie.indexOf("tz=" + zone) !== -1) {
    try {
      if (window.sessionStorage.getItem(tried)) return;
      window.sessionStorage.setItem(tried, "1");
    } catch (e) {
      return;
    }
    window.location.reload();
  }
})();
