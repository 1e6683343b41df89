// Small helpers of the account pages, each bound to a data attribute:
// data-browser-time-zone fields take the browser's time zone (a hidden field
// is filled; a select is offered it with a button), and data-copy buttons
// copy the value of the field they name.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function offerZone(field) {
    var zone = browserZone();
    if (!zone) return;
    if (field.type === "hidden") {
      field.value = zone;
      return;
    }
    var known = Array.prototype.some.call(field.options, function (option) {
      return option.value === zone;
    });
    if (!known || field.value === zone) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = "Use your browser's time zone (" + zone.replace(/_/g, " ") + ")";
    button.addEventListener("click", function () {
      field.value = zone;
      button.remove();
    });
    field.insertAdjacentElement("afterend", button);
  }

  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var done = function () {
      button.textContent = "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.select();
      if (document.execCommand("copy")) done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-browser-time-zone]").forEach(offerZone);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
})();
