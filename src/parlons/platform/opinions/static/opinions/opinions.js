/* Opinion maps: with htmx, show the 400 answer (its message) in place and move the focus
   to the new statement, since the button that was pressed is gone. Works without it. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "opinions-voting" && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (target && target.id === "opinions-voting" && event.detail.xhr.status === 429) {
      var message = document.createElement("p");
      message.className = "error";
      message.setAttribute("role", "alert");
      message.textContent = target.getAttribute("data-too-many");
      var old = target.querySelector("p.error");
      if (old) { old.remove(); }
      target.insertBefore(message, target.children[1] || null);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var section = document.getElementById("opinions-voting");
    if (!section || !target || target.id !== "opinions-voting") { return; }
    var focus = section.querySelector(".error, #statement-text, h2");
    if (focus) {
      focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  });
})();
