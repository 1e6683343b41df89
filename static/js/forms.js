// Small helpers of the forms, each bound to a data attribute:
// data-browser-time-zone fields take the browser's time zone (a hidden field
// is filled; a select is offered it with a button), data-copy buttons copy
// the value of the field they name, and a data-topic-filter fieldset gets a
// filter box over its checkboxes (without JavaScript they are all shown).
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

  function filterTopics(picker) {
    var box = picker.querySelector(".topic-filter");
    var input = box && box.querySelector("input");
    if (!input) return;
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      picker.querySelectorAll("details").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("li").forEach(function (item) {
          var text = item.textContent.toLowerCase();
          var match = words.every(function (word) { return text.indexOf(word) >= 0; });
          item.hidden = !match;
          if (match) shown += 1;
        });
        group.hidden = shown === 0;
        if (words.length) group.open = shown > 0;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-browser-time-zone]").forEach(offerZone);
    document.querySelectorAll("[data-topic-filter]").forEach(filterTopics);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
})();
