// The live inbox: poll a small JSON answer every ~10 s, keep the sidebar badges current, and
// on the inbox page offer the new state when items arrived or changed. No inline scripts (CSP).
(function () {
  var script = document.currentScript;
  if (!script || !script.dataset.url) { return; }
  var url = script.dataset.url;
  var inboxPath = script.dataset.inbox;
  var version = null;
  var delay = 10000;

  function setBadge(name, value) {
    var badge = document.querySelector('[data-live-count="' + name + '"]');
    if (!badge) { return; }
    badge.textContent = value >= 1000 ? "999+" : String(value);
    badge.hidden = !value;
  }

  function offerReload() {
    if (document.getElementById("live-banner")) { return; }
    var banner = document.createElement("div");
    banner.id = "live-banner";
    banner.className = "notice-info live-banner";
    banner.setAttribute("role", "status");
    banner.textContent = script.dataset.changedText + " ";
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = script.dataset.reloadText;
    banner.appendChild(link);
    var main = document.querySelector("main.content") || document.body;
    main.insertBefore(banner, main.firstChild);
  }

  function poll() {
    if (document.hidden) { window.setTimeout(poll, delay); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state) {
          setBadge("open", state.open);
          
          if (version !== null && state.version !== version && window.location.pathname.indexOf(inboxPath) === 0) {
            offerReload();
          }
          version = state.version;
          delay = (state.poll_seconds || 10) * 1000;
        }
      })
      .catch(function () { /* offline or signed out: try again later */ })
      .then(function () { window.setTimeout(poll, delay); });
  }
  poll();
})();
