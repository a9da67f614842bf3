/* sitegen default theme: a Copy button on every code block (loaded, deferred, only on pages that
 * have one). Without JavaScript, or without the Clipboard API, there is no button and the code
 * is still there to select. The button copies the code's text as the reader would type it: no
 * line numbers (they are CSS, not text) and no shell prompts or output lines of a console
 * session (Pygments' .gp / .go tokens). Its words come from the script tag's data attributes
 * ([strings] copy_code, copied, copy_failed); a status region announces the result.
 * A block gets its button as it nears the viewport, so a page with fifty blocks does not pay
 * for fifty at load (on a slow phone that was a 1.6 s task). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.clipboard || !window.isSecureContext) return;
  var words = script.dataset;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  function codeText(code) {
    var copy = code.cloneNode(true);
    var prompts = copy.querySelectorAll(".gp");
    if (prompts.length) {
      // A console session: keep only the commands the reader would type.
      copy.querySelectorAll(".gp, .go").forEach(function (el) { el.remove(); });
      return copy.textContent.split("\n").filter(function (line) { return line.trim(); }).join("\n") + "\n";
    }
    copy.querySelectorAll(".ln").forEach(function (el) { el.remove(); });
    return copy.textContent;
  }

  function say(button, text) {
    button.textContent = text;
    status.textContent = text;
    clearTimeout(button.sitegenTimer);
    button.sitegenTimer = setTimeout(function () {
      button.textContent = words.copy;
      status.textContent = "";
    }, 2000);
  }

  function addButton(code) {
    var pre = code.parentNode;
    var wrap = document.createElement("div");
    wrap.className = "code-block";
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = words.copy;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(codeText(code)).then(
        function () { say(button, words.copied); },
        function () { say(button, words.copyFailed); }
      );
    });
    wrap.appendChild(button);
  }

  var blocks = document.querySelectorAll("pre > code");
  if (!("IntersectionObserver" in window)) {
    blocks.forEach(addButton);
    return;
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      observer.unobserve(entry.target);
      addButton(entry.target);
    });
  }, {rootMargin: "400px 0px"});
  blocks.forEach(function (code) { observer.observe(code); });
})();
