// Polls an import's status and updates the progress bar and the report. Text goes in via
// textContent only: reasons can quote attacker-controlled input.
(function () {
  var box = document.getElementById("import");
  if (!box) return;
  function fmt(n) { return Number(n).toLocaleString(); }
  function render(s) {
    document.getElementById("bar").style.width = s.percent + "%";
    document.getElementById("pct").textContent = s.percent + "%";
    document.getElementById("lines").textContent = fmt(s.lines);
    ["new", "duplicate", "quarantined", "suppressed"].forEach(function (k) { document.getElementById(k).textContent = fmt(s[k]); });
    var st = document.getElementById("status");
    st.textContent = s.status; st.className = "status status-" + s.status;
    if (s.failure) { var f = document.getElementById("failure"); f.textContent = s.failure; f.hidden = false; }
    var body = document.querySelector("#errors tbody");
    if (s.errors.length) {
      body.textContent = "";
      s.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        var a = document.createElement("td"); a.className = "num"; a.textContent = e.line === null ? "—" : e.line;
        var b = document.createElement("td"); b.textContent = e.reason;
        tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
      });
    }
    return s.status === "queued" || s.status === "running";
  }
  window.crmPollStatus(box, render);
})();
