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

  // The inbox list itself: fetch this page again and swap its items in place, unless the user
  // is busy with it (items ticked, a field focused); then only offer the new state.
  function refreshList() {
    var main = document.querySelector("main.content");
    var busy = document.querySelector('input[name="ids"]:checked') ||
      (document.activeElement && main && main.contains(document.activeElement) &&
       /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName));
    var old = main ? main.querySelectorAll("article.item") : [];
    if (busy || !old.length || window.location.pathname !== inboxPath) { offerReload(); return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { offerReload(); return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelectorAll("main.content article.item");
        if (!fresh.length) { offerReload(); return; }
        var anchor = old[0];
        for (var i = 0; i < fresh.length; i++) {
          anchor.parentNode.insertBefore(document.importNode(fresh[i], true), anchor);
        }
        for (var j = 0; j < old.length; j++) { old[j].remove(); }
      })
      .catch(offerReload);
  }

  function poll() {
    if (document.hidden) { window.setTimeout(poll, delay); return; }
    // On an item (or its composer) the poll also keeps our presence alive and says who else is on it.
    var here = document.getElementById("presence");
    var target = url;
    if (here && here.dataset.presenceItem) {
      target += (url.indexOf("?") < 0 ? "?" : "&") + "item=" + encodeURIComponent(here.dataset.presenceItem) +
        "&activity=" + encodeURIComponent(here.dataset.presenceActivity || "viewing");
    }
    fetch(target, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state) {
          setBadge("open", state.open);
          if (here && typeof state.presence === "string") {
            here.textContent = state.presence;
            here.hidden = !state.presence;
          }
          
          if (version !== null && state.version !== version && window.location.pathname.indexOf(inboxPath) === 0) {
            refreshList();
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
