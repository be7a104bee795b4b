// Segment editor (condition rows that can be added and removed, a live preview) and the
// export progress page. No framework, no CDN. Member names are attacker-controlled text:
// they go into the page through textContent only.
(function () {
  "use strict";

  // Numbers as the page's language writes them (1.234 in German), not the browser's.
  function fmt(n) { return Number(n).toLocaleString(document.documentElement.lang || undefined); }

  // --- the rule editor ------------------------------------------------------------------
  var form = document.getElementById("segment-form");
  if (form) {
    var fieldOps = JSON.parse(form.dataset.fieldOps);
    var windowed = JSON.parse(form.dataset.windowed);
    var opLabels = JSON.parse(form.dataset.opLabels || "{}");
    var rowsBox = document.getElementById("rows");
    var mode = form.querySelector("input[name=mode]");
    var details = document.getElementById("json-mode");

    function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll(".cond-row")); }

    function renumber() {
      rows().forEach(function (row, i) {
        row.dataset.row = i;
        row.querySelectorAll("[name]").forEach(function (el) {
          el.name = el.name.replace(/^rows-\d+-/, "rows-" + i + "-");
          if (el.id) el.id = el.id.replace(/^rows-\d+-/, "rows-" + i + "-");
        });
      });
    }

    function fitRow(row) {
      var field = row.querySelector(".cond-field").value;
      var op = row.querySelector(".cond-op");
      var allowed = fieldOps[field] || [];
      // Rebuilt rather than hidden: browsers differ on hidden <option>s, and a field offers
      // only its own operators.
      var current = op.value;
      while (op.options.length) op.remove(0);
      allowed.forEach(function (k) { op.add(new Option(opLabels[k] || k, k)); });
      op.value = allowed.indexOf(current) >= 0 ? current : allowed[0];
      row.querySelector(".cond-days").hidden = windowed.indexOf(field) < 0;
    }

    document.getElementById("add-row").addEventListener("click", function (ev) {
      ev.preventDefault();
      var last = rows()[rows().length - 1];
      var copy = last.cloneNode(true);
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("input[type=text], input:not([type])").forEach(function (el) { el.value = ""; });
      copy.querySelectorAll("input[type=checkbox]").forEach(function (el) { el.checked = false; });
      last.after(copy);
      renumber();
      fitRow(copy);
      copy.querySelector(".cond-value").focus();
    });

    rowsBox.addEventListener("click", function (ev) {
      var btn = ev.target.closest(".remove-row");
      if (!btn) return;
      var row = btn.closest(".cond-row");
      if (rows().length > 1) { row.remove(); } else {
        row.querySelector(".cond-value").value = "";
      }
      renumber();
      schedule();
    });

    rowsBox.addEventListener("change", function (ev) {
      if (ev.target.classList.contains("cond-field")) fitRow(ev.target.closest(".cond-row"));
    });

    details.addEventListener("toggle", function () {
      mode.value = details.open ? "json" : "rows";
      rowsBox.hidden = details.open;
      schedule();
    });

    // --- live preview ---
    var countEl = document.getElementById("preview-count");
    var errorEl = document.getElementById("preview-error");
    var listEl = document.getElementById("preview-members");
    var timer = null, seq = 0;

    function schedule() { clearTimeout(timer); timer = setTimeout(preview, 350); }

    function showError(data) {
      countEl.textContent = "—";
      errorEl.textContent = data.message || form.dataset.msgInvalid;
      errorEl.hidden = false;
      listEl.textContent = "";
      rows().forEach(function (r) { r.classList.toggle("invalid", String(data.row) === r.dataset.row); });
    }

    function render(data) {
      errorEl.hidden = true;
      rows().forEach(function (r) { r.classList.remove("invalid"); });
      countEl.textContent = fmt(data.count);
      listEl.textContent = "";
      data.members.forEach(function (m) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = m.url; a.textContent = m.name; a.className = "strong";
        var small = document.createElement("div");
        small.className = "muted small";
        // "# interactions" in the page's language, singular or plural (German and English agree on n != 1).
        var words = m.interactions === 1 ? form.dataset.interactionsOne : form.dataset.interactionsMany;
        small.textContent = m.handles.join(" · ") + " · " + words.replace("#", fmt(m.interactions));
        li.appendChild(a); li.appendChild(small); listEl.appendChild(li);
      });
    }

    function preview() {
      var mine = ++seq;
      fetch(form.dataset.previewUrl, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (res) {
          if (mine !== seq) return;  // an older answer arriving late
          if (res.ok) render(res.data); else showError(res.data);
        })
        .catch(function () { if (mine === seq) showError({ message: form.dataset.msgUnreachable }); });
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    rows().forEach(fitRow);
    preview();
  }

  // --- export progress ------------------------------------------------------------------
  var box = document.getElementById("export");
  if (box) {
    window.crmPollStatus(box, function (s) {
      document.getElementById("bar").style.width = s.percent + "%";
      document.getElementById("pct").textContent = s.percent + "%";
      document.getElementById("rows").textContent = fmt(s.rows);
      document.getElementById("total").textContent = fmt(s.total);
      var st = document.getElementById("status");
      st.textContent = s.status; st.className = "status status-" + s.status;
      if (s.failure) { var f = document.getElementById("failure"); f.textContent = s.failure; f.hidden = false; }
      if (s.download) { var d = document.getElementById("download"); d.href = s.download; d.hidden = false; }
      return s.status === "queued" || s.status === "running";
    });
  }
})();
