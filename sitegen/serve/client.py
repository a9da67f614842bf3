"""The live-reload client: a script injected into served HTML pages and the shared worker it talks to.

Every tab of one browser shares one Server-Sent Events connection through a SharedWorker:
browsers allow only six HTTP/1.1 connections per host, so six tabs each holding an
EventSource would stall every further request to the preview. Where SharedWorker is missing,
the page opens its own EventSource.

Events (JSON data): `hello` {gen, error} on connect, `reload` {gen, all, pages, css, assets},
`error` {file, line, message}, `ok` {}. A page knows the build generation it was served from,
so a tab that connects after a rebuild, or reconnects after a restart, refreshes itself.
"""

from __future__ import annotations

import hashlib
import json

EVENTS_PATH = "/__sitegen/events"
WORKER_PATH = "/__sitegen/worker.js"

WORKER_JS = """\
"use strict";
// One EventSource for every tab of this browser; each tab gets the events through its port.
var ports = [], source = null, state = null;
function post(port, msg) { try { port.postMessage(msg); } catch (e) { drop(port); } }
function drop(port) { ports = ports.filter(function (p) { return p !== port; }); }
function open() {
  source = new EventSource("%(events)s");
  ["hello", "reload", "error", "ok"].forEach(function (type) {
    source.addEventListener(type, function (e) {
      var data = JSON.parse(e.data);
      // Remember what a tab opened later needs to know: the generation and any failing build.
      if (type === "hello") state = data;
      else if (state && type === "reload") state.gen = data.gen;
      else if (state && type === "error") state.error = data;
      else if (state && type === "ok") state.error = null;
      ports.slice().forEach(function (p) { post(p, {type: type, data: data}); });
    });
  });
  source.onerror = function () {
    state = null;
    ports.slice().forEach(function (p) { post(p, {type: "down", data: {}}); });
  };
}
onconnect = function (e) {
  var port = e.ports[0];
  ports.push(port);
  port.onmessage = function (m) { if (m.data === "bye") drop(port); };
  if (state) post(port, {type: "hello", data: state});
  if (!source) open();
};
"""

CLIENT_JS = """\
(function (gen, status) {
  "use strict";
  if (window.__sitegen) return;
  var me = window.__sitegen = {gen: gen, connected: false, mode: "", refreshes: 0, reloads: 0, timing: null};
  var scrollKey = "sitegen:scroll:" + location.pathname;
  try {
    var saved = JSON.parse(sessionStorage.getItem(scrollKey) || "null");
    if (saved) {
      sessionStorage.removeItem(scrollKey);
      addEventListener("load", function () { scrollTo(saved[0], saved[1]); });
    }
  } catch (e) { /* storage may be disabled */ }

  function reload() {
    me.reloads++;
    try { sessionStorage.setItem(scrollKey, JSON.stringify([scrollX, scrollY])); } catch (e) { /* ignore */ }
    location.reload();
  }

  // --- the error overlay: in a shadow root so the site's CSS cannot hide or restyle it
  var host = null;
  function showError(err) {
    if (!host) {
      host = document.createElement("sitegen-overlay");
      host.id = "sitegen-error-overlay";
      var root = host.attachShadow({mode: "open"});
      root.innerHTML = '<style>:host{all:initial}.box{position:fixed;z-index:2147483647;inset:auto 1rem 1rem 1rem;' +
        'max-height:60vh;overflow:auto;background:#2b0d0d;color:#ffe8e8;border:2px solid #ff6b6b;' +
        'border-radius:6px;padding:1rem 1.25rem;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;' +
        'box-shadow:0 6px 24px rgba(0,0,0,.4)}h2{margin:0 0 .5rem;font-size:15px;color:#ff8f8f}' +
        'pre{margin:0;white-space:pre-wrap;word-break:break-word;font:inherit}' +
        '.where{color:#ffd479;margin-bottom:.25rem}</style>' +
        '<div class="box" role="alert"><h2>sitegen: build failed</h2><pre class="where"></pre>' +
        '<pre class="message"></pre></div>';
    }
    var root = host.shadowRoot;
    // textContent, never innerHTML: messages quote the user's file and must not become markup
    root.querySelector(".where").textContent = (err.file || "") + (err.line ? ":" + err.line : "");
    root.querySelector(".message").textContent = err.message || "";
    // on <html>, outside <body>, so a refreshed body does not take the overlay with it
    if (!host.isConnected) document.documentElement.appendChild(host);
  }
  function hideError() { if (host && host.isConnected) host.remove(); }

  // --- stylesheets: swap each changed <link> for a fresh one and drop the old once it loads
  function swapCss(urls) {
    var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"]'));
    var mine = links.filter(function (link) {
      if (link.__sitegenOld) return false;
      var u = new URL(link.getAttribute("data-sitegen-href") || link.getAttribute("href"), location.href);
      return u.origin === location.origin;
    });
    var hit = mine.filter(function (link) {
      var u = new URL(link.getAttribute("data-sitegen-href") || link.getAttribute("href"), location.href);
      return urls.indexOf(decodeURI(u.pathname)) >= 0;
    });
    // a changed file no <link> names is probably @import-ed: refresh them all
    (hit.length ? hit : mine).forEach(function (link) {
      var orig = link.getAttribute("data-sitegen-href") || link.getAttribute("href");
      var u = new URL(orig, location.href);
      u.searchParams.set("sitegen", String(Date.now()));
      var next = link.cloneNode(false);
      next.setAttribute("data-sitegen-href", orig);
      next.href = u.href;
      link.__sitegenOld = true;
      var done = function () { link.remove(); };
      next.addEventListener("load", done);
      next.addEventListener("error", done);
      link.after(next);
    });
  }

  // --- page refresh: fetch the page and swap its body in place; the window, scroll position
  // and this script survive, and it is quicker than a reload. <head> is patched element by
  // element (a new description or title is common); a changed script or stylesheet there,
  // or a page that runs scripts of its own, gets a real reload instead.
  function keyOf(el) {
    if (el.hasAttribute("data-sitegen-href")) {
      el = el.cloneNode(false);
      el.setAttribute("href", el.getAttribute("data-sitegen-href"));
      el.removeAttribute("data-sitegen-href");
    }
    return el.outerHTML;
  }
  function needsLoad(el) {
    return /^(SCRIPT|STYLE|BASE)$/.test(el.tagName) ||
      (el.tagName === "LINK" && /stylesheet|preload/i.test(el.getAttribute("rel") || ""));
  }
  function syncHead(head) {
    var now = Array.prototype.filter.call(document.head.children, function (el) {
      return !el.__sitegenOld && !el.hasAttribute("data-sitegen");
    });
    var byKey = {};
    now.forEach(function (el) { var k = keyOf(el); (byKey[k] = byKey[k] || []).push(el); });
    var kept = [], added = [];
    Array.prototype.forEach.call(head.children, function (el) {
      if (el.hasAttribute("data-sitegen")) return;
      var same = byKey[keyOf(el)];
      if (same && same.length) kept.push(same.shift()); else added.push(el);
    });
    var removed = now.filter(function (el) { return kept.indexOf(el) < 0; });
    if (added.some(needsLoad) || removed.some(needsLoad)) return false;
    removed.forEach(function (el) { el.remove(); });
    added.forEach(function (el) { document.head.appendChild(document.adoptNode(el)); });
    return true;
  }
  function runsScripts(body) { return body.querySelector("script:not([data-sitegen])") !== null; }
  // Content for a newer build must never be replaced by a slower response for an older one.
  var shownGen = gen, busy = false, again = null;
  function show(text, forGen, started, fetched) {
    if (forGen < shownGen) return;
    shownGen = forGen;
    var doc = new DOMParser().parseFromString(text, "text/html");
    if (runsScripts(doc.body) || runsScripts(document.body) || !syncHead(doc.head)) {
      reload();
      return;
    }
    var x = scrollX, y = scrollY;
    document.body.replaceWith(document.adoptNode(doc.body));
    scrollTo(x, y);
    me.refreshes++;
    me.timing = {received: started, fetched: fetched, applied: performance.now()};
  }
  function refresh(forGen, started) {
    if (busy) { again = again === null ? forGen : Math.max(again, forGen); return; }
    busy = true;
    fetch(location.href, {cache: "no-store", credentials: "same-origin"}).then(function (res) {
      return res.text();
    }).then(function (text) {
      show(text, forGen, started, performance.now());
    }).catch(reload).then(function () {
      busy = false;
      if (again !== null) { var next = again; again = null; refresh(next, performance.now()); }
    });
  }

  function samePage(url) {
    var here = decodeURI(location.pathname).replace(/index\\.html$/, "");
    return url.replace(/index\\.html$/, "") === here;
  }
  function onReload(ev) {
    var now = performance.now();
    me.gen = ev.gen;
    if (ev.all || ev.assets.length) { reload(); return; }
    if (ev.css.length) swapCss(ev.css);
    var mine = ev.pages.filter(samePage)[0];
    // the server sends small pages along with the event, which saves a round trip
    if (mine && ev.html && typeof ev.html[mine] === "string") show(ev.html[mine], ev.gen, now, now);
    // a 404 page may be the page that was just created
    else if (mine || (status === 404 && ev.pages.length)) refresh(ev.gen, now);
  }
  function handle(type, data) {
    if (type === "hello") {
      me.connected = true;
      if (data.error) showError(data.error); else hideError();
      if (data.gen !== me.gen) {
        // builds happened while this tab was not listening (it connected late, or the server
        // restarted): whatever is served now is newer than what the tab shows
        me.gen = data.gen;
        shownGen = -1;
        refresh(data.gen, performance.now());
      }
    } else if (type === "reload") onReload(data);
    else if (type === "error") showError(data);
    else if (type === "ok") hideError();
    else if (type === "down") me.connected = false;
  }

  function direct() {
    me.mode = "direct";
    var source = new EventSource("%(events)s");
    ["hello", "reload", "error", "ok"].forEach(function (type) {
      source.addEventListener(type, function (e) { handle(type, JSON.parse(e.data)); });
    });
    source.onerror = function () { handle("down", {}); };
  }
  function connect() {
    if (typeof SharedWorker !== "function") { direct(); return; }
    try {
      var worker = new SharedWorker("%(worker)s", {name: "sitegen-live-reload"});
      worker.port.onmessage = function (m) { handle(m.data.type, m.data.data); };
      worker.onerror = function () { direct(); };
      // tell the worker this tab is gone, so it stops posting to it
      addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
      me.mode = "worker";
    } catch (e) { direct(); }
  }
  // a page restored from the back/forward cache has said "bye": connect again
  addEventListener("pageshow", function (e) { if (e.persisted) { me.connected = false; connect(); } });
  connect();
})"""

VERSION = hashlib.blake2b((WORKER_JS + CLIENT_JS).encode(), digest_size=6).hexdigest()
"""Changes with the client's code, so a browser never keeps a stale shared worker."""

WORKER_SOURCE = (WORKER_JS % {"events": EVENTS_PATH}).encode("utf-8")
_CLIENT = CLIENT_JS % {"events": EVENTS_PATH, "worker": f"{WORKER_PATH}?v={VERSION}"}


def snippet(gen: int, status: int) -> bytes:
    """The <script> element injected into an HTML response served from build generation `gen`."""
    return f"<script data-sitegen>{_CLIENT}({json.dumps(gen)}, {json.dumps(status)});</script>".encode()
