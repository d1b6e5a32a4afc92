// The connection page's progress line: while an import is queued or running, ask how it is
// getting on every two seconds and say so; when it has finished, show the page again with the
// finished run in the history. Without JavaScript the line is still right when the page loads.
(function () {
  var line = document.querySelector("[data-progress-url]");
  if (!line || !window.fetch) return;
  var url = line.getAttribute("data-progress-url");
  var open = { queued: true, running: true };
  var stopAt = Date.now() + 15 * 60 * 1000;

  function ask() {
    if (Date.now() > stopAt) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) {
        if (!status) return;
        if (!open[status.state]) {
          window.location.reload();
          return;
        }
        line.hidden = false;
        line.setAttribute("data-state", status.state);
        line.textContent = status.text;
        window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }

  if (open[line.getAttribute("data-state")]) window.setTimeout(ask, 2000);
})();
