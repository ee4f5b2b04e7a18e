/* Small progressive enhancements for the staff pages. Every page works without this file. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // An error summary takes the focus, so a screen reader announces it and the keyboard starts there.
  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }

  // A "select all" checkbox (data-select-all="<name>") ticks every checkbox of that name.
  function wireSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      if (!once(box, "all")) { return; }
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-select-all");
        document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (other) {
          other.checked = box.checked;
        });
      });
    });
  }

  // A button with data-confirm="<question>" asks before its form is sent (the server still checks).
  function wireConfirm(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (button) {
      if (!once(button, "confirm")) { return; }
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  // Links in an error summary move the focus to the field, not just scroll to it.
  function wireSummaryLinks(root) {
    root.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      if (!once(link, "summary")) { return; }
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({block: "center"}); }
      });
    });
  }

  // Each element is wired once, even when htmx settles a part that holds old elements too.
  function once(el, key) {
    if (el.hasAttribute("data-wired-" + key)) { return false; }
    el.setAttribute("data-wired-" + key, "");
    return true;
  }

  function enhance(root) {
    wireSelectAll(root);
    wireConfirm(root);
    wireSummaryLinks(root);
  }

  ready(function () {
    focusErrorSummary(document);
    enhance(document);
  });
  // htmx requests carry the session's CSRF token as a header (deps.py accepts X-CSRF-Token), so an
  // hx-post outside a form with the hidden field is not refused.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  // Parts swapped in by htmx get the same behaviour.
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
})();
