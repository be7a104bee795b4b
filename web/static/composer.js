// The reply composer's live counter (the server counts again, the way the platform does:
// crm/replies/limits.py). Loaded as a static file because of the Content-Security-Policy.
(function () {
  var box = document.querySelector("textarea[data-limit]");
  var out = document.getElementById("reply-count");
  if (!box || !out) { return; }
  var url = /(?:https?:\/\/|www\.)[^\s<>"]+/gi;
  function length(text, platform) {
    var chars = Array.from(text);
    if (platform === "bluesky" && window.Intl && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter().segment(text)).length;
    }
    if (platform === "x" || platform === "mastodon") {
      var shortened = text.replace(url, "x".repeat(23));
      if (platform === "mastodon") { return Array.from(shortened).length; }
      var n = 0;
      Array.from(shortened).forEach(function (ch) { n += ch.codePointAt(0) <= 0x10FF ? 1 : 2; });
      return n;
    }
    return chars.length;
  }
  function update() {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    var used = length(box.value, box.getAttribute("data-platform"));
    out.textContent = used + " / " + limit;
    out.className = used > limit ? "badge s-negative" : "muted";
  }
  box.addEventListener("input", update);
  update();
})();

// Saved replies: typing or picking "/shortcut" in the datalist puts its text into the reply.
(function () {
  var pick = document.getElementById("saved-replies");
  var box = document.querySelector("textarea[data-limit]");
  if (!pick || !box) { return; }
  pick.addEventListener("input", function () {
    var options = document.querySelectorAll("#saved-reply-list option");
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === pick.value) {
        box.value = box.value ? box.value + "\n" + options[i].getAttribute("data-text") : options[i].getAttribute("data-text");
        pick.value = "";
        box.dispatchEvent(new Event("input"));
        box.focus();
        return;
      }
    }
  });
})();
