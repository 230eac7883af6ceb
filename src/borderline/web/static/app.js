// Keyboard-friendly review queue and small page helpers. No framework, no build step.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var back = e.target.closest && e.target.closest("[data-back]");
    if (back) { e.preventDefault(); history.back(); }
  });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  if (!rows.length) return;
  var cur = -1;
  function move(i) {
    if (cur >= 0) rows[cur].classList.remove("cur");
    cur = Math.max(0, Math.min(rows.length - 1, i));
    rows[cur].classList.add("cur");
    var link = rows[cur].querySelector("a.open");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    if (e.key === "j") { move(cur + 1); e.preventDefault(); }
    else if (e.key === "k") { move(cur - 1); e.preventDefault(); }
    else if (e.key === "x" && cur >= 0) { var cb = rows[cur].querySelector("input[type=checkbox]"); cb.checked = !cb.checked; e.preventDefault(); }
    else if (e.key === "c") { var b = document.querySelector("button[value=claim]"); if (b) { b.click(); e.preventDefault(); } }
    else if (e.key === "/") { var f = document.getElementById("f-min-score"); if (f) { f.focus(); e.preventDefault(); } }
  });
  rows.forEach(function (r, i) { r.addEventListener("focusin", function () { if (cur >= 0) rows[cur].classList.remove("cur"); cur = i; r.classList.add("cur"); }); });
})();
