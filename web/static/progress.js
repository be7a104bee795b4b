// Polls a job's status URL (an import, an export) every second while it is queued or running,
// handing each answer to the page's render function; render returns true to keep polling.
window.crmPollStatus = function (box, render) {
  if (!box || !(box.dataset.status === "queued" || box.dataset.status === "running")) return;
  var url = box.dataset.statusUrl;
  function tick() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (render(s)) setTimeout(tick, 1000); })
      .catch(function () { setTimeout(tick, 3000); });
  }
  tick();
};
