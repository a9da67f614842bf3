/* Replies under a post, from Mastodon and Bluesky, merged into one thread (sitegen default theme).
 *
 * Progressive enhancement: the section is `hidden` in the HTML and this script shows it; without
 * JavaScript the post's "discuss on" links are all there is. The reader's browser contacts the
 * networks only when asked: the button, or (data-load="visible") when the section scrolls into view.
 *
 * Everything fetched is untrusted. Mastodon's HTML is parsed into an inert document (DOMParser:
 * no scripts run, no images load) and rebuilt node by node from a small allow-list (p, br, and
 * http(s) links); Bluesky's text becomes text nodes, with its link facets (UTF-8 byte ranges)
 * made into links. No remote string is ever assigned to innerHTML, and the only attributes set
 * from remote data are checked http(s) URLs and dates.
 */
(function () {
  "use strict";

  var MAX_TEXT = 5000; // characters of one reply's text; the rest is cut with "…"
  var MAX_REPLIES = 500;
  var MAX_DEPTH = 5; // nested lists deeper than this continue flat, so a long chain keeps its width
  var TIMEOUT_MS = 15000;
  var HIDDEN_LABELS = { "!hide": 1, "!takedown": 1, "!suspend": 1, "!warn": 1, "porn": 1, "sexual": 1, "nudity": 1, "graphic-media": 1, "gore": 1 };

  /* ---------- URLs and text (pure helpers, exported for tests as window.sitegenReplies) ---------- */

  function safeUrl(value) {
    // An absolute http(s) URL, re-serialised by the URL parser; anything else (javascript:, data:,
    // relative, malformed) is null.
    if (typeof value !== "string" || value.length > 2048) return null;
    var url;
    try { url = new URL(value); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (url.username || url.password) return null;
    return url.href;
  }

  function httpsUrl(value) {
    var url = safeUrl(value);
    return url && url.indexOf("https:") === 0 ? url : null;
  }

  function clip(text, max) {
    text = String(text);
    if (text.length <= max) return text;
    var cut = text.slice(0, max);
    // Never leave half a surrogate pair at the cut.
    if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
    return cut + "…";
  }

  function link(doc, href, children) {
    var a = doc.createElement("a");
    a.href = href;
    a.rel = "nofollow ugc noopener";
    for (var i = 0; i < children.length; i++) a.appendChild(children[i]);
    return a;
  }

  var DROP = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, SVG: 1, MATH: 1, NOSCRIPT: 1, TITLE: 1, HEAD: 1, TEXTAREA: 1, SELECT: 1, VIDEO: 1, AUDIO: 1, CANVAS: 1 };
  var BLOCK = { P: 1, DIV: 1, LI: 1, BLOCKQUOTE: 1, PRE: 1, H1: 1, H2: 1, H3: 1, H4: 1, H5: 1, H6: 1, UL: 1, OL: 1, TABLE: 1, TR: 1, SECTION: 1, ARTICLE: 1 };

  /* Mastodon's status HTML → a DocumentFragment of the live document holding only p, br, a. */
  function sanitizeHtml(html, doc) {
    doc = doc || document;
    var inert = new DOMParser().parseFromString("<!doctype html><body>" + String(html), "text/html");
    var out = doc.createDocumentFragment();
    var left = MAX_TEXT;

    function children(node, into) {
      for (var child = node.firstChild; child && left > 0; child = child.nextSibling) copy(child, into);
    }

    // Copies one inert node's allowed content into `into` (a p or a of `doc`), as inline content.
    function copy(node, into) {
      if (node.nodeType === 3) {
        var text = node.data.length > left ? clip(node.data, left) : node.data;
        left -= text.length;
        into.appendChild(doc.createTextNode(text));
        return;
      }
      if (node.nodeType !== 1) return;
      var tag = node.tagName.toUpperCase();
      if (DROP[tag]) return;
      if (tag === "BR") { into.appendChild(doc.createElement("br")); return; }
      if (tag === "SPAN" && node.classList.contains("invisible")) return; // Mastodon's hidden URL parts
      if (tag === "A") {
        var href = safeUrl(node.getAttribute("href"));
        if (href && into.nodeName !== "A") {
          var a = link(doc, href, []);
          children(node, a);
          if (a.textContent.trim()) into.appendChild(a); // an empty link has no name to read out
          return;
        }
      } else if (BLOCK[tag] && into.childNodes.length) {
        into.appendChild(doc.createElement("br"));
      }
      children(node, into);
      if (tag === "SPAN" && node.classList.contains("ellipsis")) into.appendChild(doc.createTextNode("…"));
    }

    var para = null; // the paragraph collecting loose inline content at the top level
    for (var node = inert.body.firstChild; node && left > 0; node = node.nextSibling) {
      if (node.nodeType === 1 && BLOCK[node.tagName.toUpperCase()]) {
        var p = doc.createElement("p");
        children(node, p);
        out.appendChild(p);
        para = null;
      } else {
        if (!para) { para = doc.createElement("p"); out.appendChild(para); }
        copy(node, para);
      }
    }
    // Drop paragraphs that ended up empty (say, a reply of nothing but a dropped <img>).
    Array.prototype.slice.call(out.childNodes).forEach(function (p) {
      if (!p.textContent.trim()) out.removeChild(p);
    });
    return out;
  }

  /* Bluesky's record text and facets → a DocumentFragment of text nodes and links.
   * Facet offsets count UTF-8 bytes; a facet that overlaps another, runs past the text or cuts a
   * character in half is ignored (its text stays, as text). */
  function renderFacets(text, facets, doc) {
    doc = doc || document;
    text = typeof text === "string" ? text : "";
    var bytes = new TextEncoder().encode(text);
    var decoder = new TextDecoder("utf-8");
    var out = doc.createDocumentFragment();
    var spans = [];
    (Array.isArray(facets) ? facets : []).forEach(function (facet) {
      if (!facet || !facet.index || !Array.isArray(facet.features)) return;
      var start = facet.index.byteStart, end = facet.index.byteEnd;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > bytes.length) return;
      // Offsets must fall on character boundaries (not on a UTF-8 continuation byte).
      if ((bytes[start] & 0xc0) === 0x80 || (end < bytes.length && (bytes[end] & 0xc0) === 0x80)) return;
      var href = null;
      for (var i = 0; i < facet.features.length && !href; i++) {
        var f = facet.features[i] || {};
        if (f.$type === "app.bsky.richtext.facet#link") href = safeUrl(f.uri);
        else if (f.$type === "app.bsky.richtext.facet#mention" && /^did:[a-z]+:[A-Za-z0-9._:%-]+$/.test(f.did || ""))
          href = "https://bsky.app/profile/" + f.did;
        else if (f.$type === "app.bsky.richtext.facet#tag" && typeof f.tag === "string" && f.tag && f.tag.length <= 640)
          href = "https://bsky.app/hashtag/" + encodeURIComponent(f.tag);
      }
      if (href) spans.push({ start: start, end: end, href: href });
    });
    spans.sort(function (a, b) { return a.start - b.start; });
    var pos = 0;
    var budget = MAX_TEXT;
    function emit(from, to, href) {
      if (budget <= 0 || to <= from) return;
      var piece = decoder.decode(bytes.subarray(from, to));
      if (piece.length > budget) piece = clip(piece, budget);
      budget -= piece.length;
      var node = doc.createTextNode(piece);
      out.appendChild(href ? link(doc, href, [node]) : node);
    }
    spans.forEach(function (span) {
      if (span.start < pos) return; // overlaps the previous facet
      emit(pos, span.start, null);
      emit(span.start, span.end, span.href);
      pos = span.end;
    });
    emit(pos, bytes.length, null);
    return out;
  }

  /* ---------- The two networks' answers → one list of reply objects ---------- */

  function count(value) {
    return Number.isInteger(value) && value >= 0 ? value : 0;
  }

  // A BCP 47 tag for the reply's lang attribute (screen readers pick a voice by it), or null.
  function language(value) {
    return typeof value === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/.test(value) ? value : null;
  }

  function when(value) {
    var date = typeof value === "string" ? new Date(value) : null;
    return date && !isNaN(date.getTime()) ? date : null;
  }

  function mastodonReply(status) {
    var account = status.account || {};
    return {
      network: "Mastodon",
      id: "m" + status.id,
      url: safeUrl(status.url) || safeUrl(status.uri),
      name: clip(account.display_name || account.username || account.acct || "", 200),
      handle: clip(account.acct ? "@" + account.acct : "", 200),
      profile: safeUrl(account.url),
      avatar: httpsUrl(account.avatar_static || account.avatar),
      date: when(status.created_at),
      likes: count(status.favourites_count),
      reposts: count(status.reblogs_count),
      warning: typeof status.spoiler_text === "string" ? clip(status.spoiler_text, 500) : "",
      lang: language(status.language),
      media: Array.isArray(status.media_attachments) ? status.media_attachments.length : 0,
      body: function (doc) { return sanitizeHtml(status.content || "", doc); },
      children: []
    };
  }

  /* /statuses/{id} and /statuses/{id}/context → the replies as a tree under the post. */
  function mastodonThread(root, context) {
    var byId = {};
    var top = [];
    var rootId = root && root.id != null ? String(root.id) : null;
    var descendants = context && Array.isArray(context.descendants) ? context.descendants : [];
    descendants.slice(0, MAX_REPLIES).forEach(function (status) {
      if (!status || status.id == null || (status.visibility && status.visibility === "direct")) return;
      byId[String(status.id)] = mastodonReply(status);
    });
    descendants.forEach(function (status) {
      var reply = status && byId[String(status.id)];
      if (!reply) return;
      var parent = status.in_reply_to_id != null ? String(status.in_reply_to_id) : null;
      if (parent && parent !== rootId && byId[parent] && byId[parent] !== reply) byId[parent].children.push(reply);
      else top.push(reply);
    });
    return top;
  }

  function blueskyPostUrl(uri, author) {
    var match = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([A-Za-z0-9._:~-]+)$/.exec(uri || "");
    if (!match) return null;
    var actor = author && /^[A-Za-z0-9.-]+$/.test(author.handle || "") ? author.handle : match[1];
    return safeUrl("https://bsky.app/profile/" + encodeURIComponent(actor) + "/post/" + match[2]);
  }

  // How many images or videos a post view's embed holds (shown as a count: the reply has them).
  function blueskyMedia(embed) {
    if (!embed || typeof embed !== "object") return 0;
    if (embed.$type === "app.bsky.embed.images#view") return Array.isArray(embed.images) ? embed.images.length : 0;
    if (embed.$type === "app.bsky.embed.video#view") return 1;
    if (embed.$type === "app.bsky.embed.recordWithMedia#view") return blueskyMedia(embed.media);
    return 0;
  }

  function hiddenByLabels(post) {
    var labels = Array.isArray(post.labels) ? post.labels : [];
    return labels.some(function (l) { return l && HIDDEN_LABELS[l.val] === 1; });
  }

  /* getPostThread's thread → the replies under the post, nested. */
  function blueskyThread(thread, seen) {
    seen = seen || { n: 0 };
    var replies = thread && Array.isArray(thread.replies) ? thread.replies : [];
    var out = [];
    replies.forEach(function (node) {
      if (!node || node.$type !== "app.bsky.feed.defs#threadViewPost" || !node.post || seen.n >= MAX_REPLIES) return;
      var post = node.post;
      if (hiddenByLabels(post)) return;
      seen.n++;
      var author = post.author || {};
      var record = post.record || {};
      var handle = typeof author.handle === "string" ? author.handle : "";
      out.push({
        network: "Bluesky",
        id: "b" + post.uri,
        url: blueskyPostUrl(post.uri, author),
        name: clip(author.displayName || handle || "", 200),
        handle: clip(handle ? "@" + handle : "", 200),
        profile: /^[A-Za-z0-9.:-]+$/.test(author.did || "") ? "https://bsky.app/profile/" + author.did : null,
        avatar: httpsUrl(author.avatar),
        date: when(record.createdAt) || when(post.indexedAt),
        likes: count(post.likeCount),
        reposts: count(post.repostCount),
        warning: "",
        lang: language(Array.isArray(record.langs) ? record.langs[0] : null),
        media: blueskyMedia(post.embed),
        body: function (doc) { return renderFacets(record.text, record.facets, doc); },
        children: blueskyThread(node, seen)
      });
    });
    return out;
  }

  function byTime(list) {
    list.sort(function (a, b) {
      var x = a.date ? a.date.getTime() : Infinity, y = b.date ? b.date.getTime() : Infinity;
      return x - y;
    });
    list.forEach(function (r) { byTime(r.children); });
    return list;
  }

  function total(list) {
    return list.reduce(function (n, r) { return n + 1 + total(r.children); }, 0);
  }

  /* ---------- Rendering ---------- */

  function el(doc, tag, cls, text) {
    var node = doc.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function renderList(replies, strings, doc, format, depth, into) {
    depth = depth || 1;
    var ol = into || el(doc, "ol", "replies-list");
    replies.forEach(function (reply) {
      var li = el(doc, "li", "reply reply-" + reply.network.toLowerCase());
      var article = el(doc, "article", "reply-body");
      var header = el(doc, "header", "reply-header");
      if (reply.avatar) {
        var img = el(doc, "img", "reply-avatar");
        img.src = reply.avatar;
        img.alt = reply.name ? reply.name : reply.handle;
        img.width = 40;
        img.height = 40;
        img.loading = "lazy";
        img.decoding = "async";
        img.referrerPolicy = "no-referrer";
        img.setAttribute("referrerpolicy", "no-referrer");
        img.addEventListener("error", function () { img.replaceWith(el(doc, "span", "reply-avatar reply-avatar-none")); });
        header.appendChild(img);
      } else {
        var none = el(doc, "span", "reply-avatar reply-avatar-none");
        none.setAttribute("aria-hidden", "true");
        header.appendChild(none);
      }
      var who = el(doc, "h3", "reply-author");
      var name = el(doc, "span", "reply-name", reply.name || reply.handle || "?");
      who.appendChild(reply.profile ? link(doc, reply.profile, [name]) : name);
      if (reply.handle && reply.handle !== reply.name) who.appendChild(el(doc, "span", "reply-handle", reply.handle));
      header.appendChild(who);
      var meta = el(doc, "p", "reply-meta");
      meta.appendChild(el(doc, "span", "reply-network", reply.network));
      if (reply.date) {
        var time = el(doc, "time", null, format(reply.date));
        time.setAttribute("datetime", reply.date.toISOString());
        meta.appendChild(doc.createTextNode(" · "));
        meta.appendChild(reply.url ? link(doc, reply.url, [time]) : time);
      } else if (reply.url) {
        meta.appendChild(doc.createTextNode(" · "));
        meta.appendChild(link(doc, reply.url, [doc.createTextNode(reply.network)]));
      }
      header.appendChild(meta);
      article.appendChild(header);
      var body = el(doc, "div", "reply-text reply-text-" + reply.network.toLowerCase());
      if (reply.lang) body.lang = reply.lang;
      if (reply.warning) {
        var details = el(doc, "details", "reply-warning");
        details.appendChild(el(doc, "summary", null, reply.warning));
        details.appendChild(reply.body(doc));
        body.appendChild(details);
      } else {
        body.appendChild(reply.body(doc));
      }
      article.appendChild(body);
      if (reply.likes || reply.reposts || reply.media) {
        var counts = el(doc, "p", "reply-counts");
        if (reply.media) counts.appendChild(el(doc, "span", "reply-media", strings.media + ": " + reply.media));
        if (reply.likes) counts.appendChild(el(doc, "span", "reply-likes", strings.likes + ": " + reply.likes));
        if (reply.reposts) counts.appendChild(el(doc, "span", "reply-reposts", strings.reposts + ": " + reply.reposts));
        article.appendChild(counts);
      }
      li.appendChild(article);
      ol.appendChild(li);
      if (reply.children.length) {
        if (depth < MAX_DEPTH) li.appendChild(renderList(reply.children, strings, doc, format, depth + 1));
        else renderList(reply.children, strings, doc, format, depth, ol);
      }
    });
    return ol;
  }

  /* ---------- Fetching ---------- */

  function getJson(url) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(url, {
      credentials: "omit",
      referrerPolicy: "no-referrer",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).finally(function () { if (timer) clearTimeout(timer); });
  }

  function fetchMastodon(origin, id) {
    var base = origin + "/api/v1/statuses/" + encodeURIComponent(id);
    return Promise.all([getJson(base), getJson(base + "/context")]).then(function (answers) {
      var root = answers[0] || {};
      return { replies: mastodonThread(root, answers[1]), likes: count(root.favourites_count), reposts: count(root.reblogs_count) };
    });
  }

  function fetchBluesky(appview, uri) {
    var url = appview + "/xrpc/app.bsky.feed.getPostThread?uri=" + encodeURIComponent(uri) + "&depth=20&parentHeight=0";
    return getJson(url).then(function (answer) {
      var thread = answer && answer.thread;
      var post = (thread && thread.post) || {};
      return { replies: blueskyThread(thread), likes: count(post.likeCount), reposts: count(post.repostCount) };
    });
  }

  function start(section) {
    var data = section.dataset;
    var strings = {
      loading: data.sLoading, count: data.sCount, countOne: data.sCountOne, none: data.sNone,
      error: data.sError, retry: data.sRetry, likes: data.sLikes, reposts: data.sReposts,
      media: data.sMedia
    };
    var button = section.querySelector(".replies-load");
    var status = section.querySelector(".replies-status");
    var thread = section.querySelector(".replies-thread");
    var showLabel = button.textContent;
    var formatter;
    try {
      formatter = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) { // a `language` the browser cannot read (say "en_GB"): the browser's own
      formatter = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    }
    var format = function (date) { return formatter.format(date); };
    var mastodonOrigin = safeUrl(data.mastodonOrigin || "") ? new URL(data.mastodonOrigin).origin : null;
    var appview = safeUrl(data.blueskyAppview || "") ? new URL(data.blueskyAppview).origin : null;
    var busy = false;

    function load() {
      if (busy) return;
      busy = true;
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      button.setAttribute("aria-disabled", "true");
      section.setAttribute("aria-busy", "true");
      status.textContent = strings.loading;
      var jobs = [];
      if (mastodonOrigin && data.mastodonId) jobs.push(["Mastodon", fetchMastodon(mastodonOrigin, data.mastodonId)]);
      if (appview && data.blueskyUri) jobs.push(["Bluesky", fetchBluesky(appview, data.blueskyUri)]);
      Promise.all(jobs.map(function (job) {
        return job[1].then(function (list) { return { network: job[0], list: list }; },
                           function (error) { return { network: job[0], error: error }; });
      })).then(function (results) {
        var replies = [];
        var failed = [];
        var totals = el(document, "ul", "replies-totals");
        results.forEach(function (r) {
          if (r.error) { failed.push(r.network); return; }
          replies = replies.concat(r.list.replies);
          var li = el(document, "li", null);
          li.appendChild(el(document, "span", "reply-network", r.network));
          li.appendChild(document.createTextNode(" " + strings.likes + ": " + r.list.likes + " · " + strings.reposts + ": " + r.list.reposts));
          totals.appendChild(li);
        });
        byTime(replies);
        thread.replaceChildren();
        if (totals.childNodes.length) thread.appendChild(totals);
        if (replies.length) thread.appendChild(renderList(replies, strings, document, format));
        var n = total(replies);
        var message = failed.map(function (name) { return strings.error.replace("{network}", name); });
        if (!failed.length || n) message.unshift(n === 0 ? strings.none : n === 1 ? strings.countOne : strings.count.replace("{n}", n));
        status.textContent = message.join(" ");
        section.classList.toggle("replies-failed", failed.length > 0);
        section.removeAttribute("aria-busy");
        busy = false;
        if (failed.length) {
          button.textContent = strings.retry;
          button.removeAttribute("aria-disabled");
        } else {
          // The button goes away; a keyboard user who pressed it continues at the thread.
          var hadFocus = document.activeElement === button;
          button.hidden = true;
          if (hadFocus) thread.focus();
        }
      });
    }

    button.addEventListener("click", load);
    section.hidden = false;
    if (data.load === "visible" && "IntersectionObserver" in window) {
      var observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          observer.disconnect();
          load();
        }
      }, { rootMargin: "200px 0px" });
      observer.observe(section);
    }
    button.textContent = showLabel;
  }

  window.sitegenReplies = {
    safeUrl: safeUrl, sanitizeHtml: sanitizeHtml, renderFacets: renderFacets,
    mastodonThread: mastodonThread, blueskyThread: blueskyThread, blueskyMedia: blueskyMedia
  };
  var section = document.querySelector("section.replies[data-load]");
  if (section && typeof fetch === "function" && typeof DOMParser === "function" && typeof TextEncoder === "function") start(section);
})();
