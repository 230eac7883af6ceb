// Policy editor: syntax highlighting under a plain textarea, and compile errors from the
// server shown inline at their line as you type. Without JavaScript the textarea still works.
(function () {
  "use strict";
  var KW = /^(policy|thresholds|gate|rule|when|because|and|or|not|in|require|add|approve|review|hold|decline|true|false|null)$/;
  function esc(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function highlightLine(line) {
    var out = "", re = /(#.*$)|("(?:[^"\\]|\\.)*"?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][\w.]*)(\s*\()?|([^#"A-Za-z_\d]+|\d)/g, m;
    while ((m = re.exec(line)) !== null) {
      if (m[0] === "") { re.lastIndex++; continue; }
      if (m[1]) out += '<span class="c">' + esc(m[1]) + "</span>";
      else if (m[2]) out += '<span class="s">' + esc(m[2]) + "</span>";
      else if (m[3]) out += '<span class="n">' + esc(m[3]) + "</span>";
      else if (m[4]) out += (KW.test(m[4]) ? '<span class="k">' + esc(m[4]) + "</span>" : (m[5] ? '<span class="f">' + esc(m[4]) + "</span>" : esc(m[4]))) + (m[5] ? esc(m[5]) : "");
      else out += esc(m[0]);
    }
    return out;
  }
  function highlight(text, errLine) {
    return text.split("\n").map(function (l, i) {
      var h = highlightLine(l) || " ";
      return i + 1 === errLine ? '<span class="errline">' + h + "</span>" : h;
    }).join("\n") + "\n";
  }
  document.querySelectorAll("pre[data-highlight]").forEach(function (pre) { pre.innerHTML = highlight(pre.textContent, 0); });
  var ta = document.getElementById("source");
  if (!ta) return;
  var hl = document.getElementById("hl"), status = document.getElementById("policy-status");
  var editor = ta.parentNode, csrf = document.querySelector("main").dataset.csrf;
  var errLine = parseInt(editor.dataset.errorLine || "0", 10) || 0, timer = null, seq = 0;
  function paint() { hl.innerHTML = highlight(ta.value, errLine); hl.parentNode.scrollTop = ta.scrollTop; }
  async function check() {
    var mine = ++seq;
    try {
      var res = await fetch("/web/policies/check", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ source: ta.value }) });
      var v = await res.json();
      if (mine !== seq) return;
      if (v.ok) { errLine = 0; status.className = "ok"; status.textContent = "✓ Policy compiles."; ta.removeAttribute("aria-invalid"); }
      else {
        errLine = v.error.line; status.className = "error";
        status.textContent = (v.error.line ? "Line " + v.error.line + ", column " + v.error.col + ": " : "") + v.error.message;
        if (v.error.context) { var pre = document.createElement("pre"); pre.textContent = v.error.context; status.appendChild(pre); }
        ta.setAttribute("aria-invalid", "true");
      }
      paint();
    } catch (e) { status.textContent = "Could not check the policy: " + e.message; }
  }
  ta.addEventListener("input", function () { paint(); clearTimeout(timer); timer = setTimeout(check, 350); });
  ta.addEventListener("scroll", function () { hl.parentNode.scrollTop = ta.scrollTop; });
  ta.addEventListener("keydown", function (e) {
    if (e.key === "Tab" && !e.shiftKey && e.altKey) { e.preventDefault(); document.execCommand("insertText", false, "    "); }
  });
  paint();
  // Text typed (or filled in) before this deferred script ran raised no input event here.
  if (ta.value !== ta.defaultValue) check();
})();
