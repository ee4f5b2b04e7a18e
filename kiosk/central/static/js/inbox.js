/* Response templates on the answer form: pick one and its text goes into the answer box.
   Without JavaScript the picker stays hidden and the texts are listed below it to copy. */
(function () {
  "use strict";
  function wire() {
    document.querySelectorAll("select[data-template-into]").forEach(function (picker) {
      var target = document.getElementById(picker.getAttribute("data-template-into"));
      var wrap = picker.closest("[data-template-picker]");
      if (!target || !wrap) { return; }
      wrap.hidden = false;
      picker.addEventListener("change", function () {
        var option = picker.options[picker.selectedIndex];
        var body = option ? option.getAttribute("data-body") : null;
        if (!body) { return; }
        target.value = target.value.trim() ? target.value.replace(/\s+$/, "") + "\n\n" + body : body;
        target.focus();
      });
    });
  }
  if (document.readyState !== "loading") { wire(); } else { document.addEventListener("DOMContentLoaded", wire); }
})();
