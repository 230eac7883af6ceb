// Verify a decision's ledger receipt. The server checks everything (signature, record hash,
// leaf, inclusion); this script then re-checks the inclusion proof itself with WebCrypto
// SHA-256 (RFC 9162 §2.1.3.2) and, where the browser supports Ed25519, the checkpoint signature.
(function () {
  "use strict";
  var btn = document.getElementById("verify");
  if (!btn) return;
  var out = document.getElementById("verify-result");
  function hex(s) { var a = new Uint8Array(s.length / 2); for (var i = 0; i < a.length; i++) a[i] = parseInt(s.substr(i * 2, 2), 16); return a; }
  function b64(s) { var b = atob(s), a = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i); return a; }
  function eq(a, b) { if (a.length !== b.length) return false; for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; }
  async function node(l, r) {
    var buf = new Uint8Array(1 + l.length + r.length); buf[0] = 1; buf.set(l, 1); buf.set(r, 1 + l.length);
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }
  async function inclusion(index, size, leaf, path, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (sn === 0) return false;
      if ((fn & 1) || fn === sn) {
        r = await node(p, r);
        if (!(fn & 1)) { do { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } while (!((fn & 1) || fn === 0)); }
      } else { r = await node(r, p); }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && eq(r, root);
  }
  async function signature(note, verifier) {
    if (!window.crypto || !crypto.subtle) return null;
    // name+hash+base64key: the base64 key may itself contain "+", so split on the first two only.
    var first = verifier.indexOf("+"), second = verifier.indexOf("+", first + 1);
    var parts = [verifier.slice(0, first), verifier.slice(first + 1, second), verifier.slice(second + 1)];
    var raw = b64(parts[2]);
    var cut = note.indexOf("\n\n"), text = note.slice(0, cut + 1);
    var line = note.slice(cut + 2).split("\n").filter(function (l) { return l.indexOf(" " + parts[0] + " ") > 0; })[0];
    if (!line) return false;
    var blob = b64(line.split(" ")[2]);
    try {
      var key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify("Ed25519", key, blob.slice(4), new TextEncoder().encode(text));
    } catch (e) { return null; } // this browser has no Ed25519 in WebCrypto
  }
  function li(ok, name, detail) {
    var el = document.createElement("li");
    var s = document.createElement("span"); s.className = ok === null ? "" : (ok ? "pass" : "fail");
    s.textContent = ok === null ? "skipped " : (ok ? "✓ pass " : "✗ FAIL ");
    el.appendChild(s); el.appendChild(document.createTextNode(name + ": " + detail)); return el;
  }
  btn.addEventListener("click", async function () {
    btn.disabled = true; out.textContent = "Verifying…";
    try {
      var res = await fetch(btn.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error("server answered " + res.status + " " + (await res.text()).slice(0, 300));
      var v = await res.json();
      out.textContent = "";
      var h = document.createElement("p"); h.id = "verify-verdict";
      h.className = v.ok ? "pass" : "fail";
      h.textContent = v.ok ? "Verified: this decision is in the signed ledger, unchanged." : "Verification FAILED: see the steps below.";
      out.appendChild(h);
      var ol = document.createElement("ol"); out.appendChild(ol);
      v.steps.forEach(function (s) { ol.appendChild(li(s.ok, "server · " + s.name, s.detail)); });
      if (v.path && window.crypto && crypto.subtle) {
        var lines = v.checkpoint.split("\n"), root = b64(lines[2]);
        var ok = await inclusion(v.index, v.tree_size, hex(v.leaf_hash), v.path.map(hex), root);
        ol.appendChild(li(ok, "browser · inclusion proof", "recomputed " + v.path.length + " SHA-256 steps to the checkpoint root"));
        var sig = await signature(v.checkpoint, v.verifier);
        ol.appendChild(li(sig, "browser · checkpoint signature", sig === null ? "this browser cannot check Ed25519; the server did" : "Ed25519 signature by " + v.verifier.split("+")[0]));
        out.dataset.client = ok ? "pass" : "fail";
      }
      var pre = document.createElement("details"); pre.innerHTML = "<summary>Signed checkpoint</summary>";
      var p2 = document.createElement("pre"); p2.textContent = v.checkpoint; pre.appendChild(p2); out.appendChild(pre);
    } catch (e) {
      out.textContent = "Could not verify: " + e.message;
    } finally { btn.disabled = false; }
  });
  btn.disabled = false; btn.removeAttribute("title"); // enabled only once it can do something
})();
