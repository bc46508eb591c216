// Parlons progressive enhancement: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move keyboard and screen-reader focus to the error summary of a form that came back invalid.
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
    // Confirmation dialogs declared with data-confirm on forms (destructive actions).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
