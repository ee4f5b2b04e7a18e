// Compliance evidence (issue 15): a file larger than the upload limit is refused here, before it is
// sent, with the server's own message: the server refuses it too, but a body past the request limit is
// cut off by the body limit before any page could explain it (docs/compliance-evidence.md, "Uploads").
(function () {
  "use strict";
  function refuse(input, message) {
    var field = input.closest(".field");
    var id = input.id + "-error";
    var p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.className = "field-error";
      p.id = id;
      input.parentNode.insertBefore(p, input);
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "") + " " + id);
    }
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    if (field) field.classList.add("field--error");
    input.focus();
  }
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      if (input.files && input.files.length && input.files[0].size > max) {
        event.preventDefault();
        refuse(input, input.getAttribute("data-too-large"));
        return;
      }
    }
  });
})();
