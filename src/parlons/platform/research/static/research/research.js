// Research workspace: turn the browser's text selection into code-point offsets for the coding
// form. JavaScript strings count UTF-16 code units (an emoji counts 2); the server counts Unicode
// code points, so offsets are converted here. Without this file the form still works with its
// passage chooser and offset fields.
(function () {
  "use strict";

  function codePoints(text) { return Array.from(text).length; }

  // Offset, in UTF-16 units, of (node, offset) from the start of container.
  function unitsBefore(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function setup(form) {
    var container = document.getElementById(form.getAttribute("data-source-text"));
    if (!container) { return; }
    var start = form.querySelector("input[name=start]");
    var end = form.querySelector("input[name=end]");
    var passage = form.querySelector("select[name=passage]");
    var status = document.getElementById("selection-status");
    var full = container.textContent;

    function update() {
      var selection = document.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
      var range = selection.getRangeAt(0);
      if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) {
        return;
      }
      var a = unitsBefore(container, range.startContainer, range.startOffset);
      var b = unitsBefore(container, range.endContainer, range.endOffset);
      if (b <= a) { return; }
      var from = codePoints(full.slice(0, a));
      var to = codePoints(full.slice(0, b));
      start.value = String(from);
      end.value = String(to);
      if (passage) { passage.value = ""; }
      var quote = full.slice(a, b).replace(/\s+/g, " ");
      if (quote.length > 120) { quote = quote.slice(0, 119) + "…"; }
      if (status) {
        status.textContent = (status.getAttribute("data-label") || "") + " « " + quote + " » (" +
          from + "–" + to + ")";
      }
    }

    document.addEventListener("selectionchange", update);
    if (passage) {
      passage.addEventListener("change", function () {
        if (passage.value) { start.value = ""; end.value = ""; }
      });
    }
  }

  function longTasks() {
    document.querySelectorAll("form.long-task").forEach(function (form) {
      form.addEventListener("submit", function () {
        var progress = form.querySelector(".progress");
        if (progress) { progress.hidden = false; }
        var button = form.querySelector("button[type=submit]");
        if (button) { button.setAttribute("aria-disabled", "true"); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-source-text]").forEach(setup);
    longTasks();
  });
})();
