// Keyboard triage on pages of paper cards: j/k move between cards, l likes,
// x marks not interested, o opens the paper, ? lists the keys.
(function () {
  "use strict";

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(".paper-card"));
  }

  function current() {
    return document.querySelector(".paper-card.is-current");
  }

  function select(card) {
    var previous = current();
    if (previous) previous.classList.remove("is-current");
    card.classList.add("is-current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = cards();
    if (!all.length) return;
    var index = all.indexOf(current());
    // Nothing selected yet: j starts at the first card, k at the last.
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : index + step;
    select(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function press(value) {
    var card = current();
    var button = card && card.querySelector('button[name="value"][value="' + value + '"]');
    if (button) button.click();
  }

  function showKeys() {
    var dialog = document.getElementById("keys-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      l: function () { press("like"); },
      x: function () { press("not-interested"); },
      o: function () {
        var link = current() && current().querySelector(".paper-title a");
        if (link) window.location.assign(link.href);
      },
      "?": showKeys,
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // A click on a card makes it the current one, so the keys act on it next.
  document.addEventListener("click", function (event) {
    var card = event.target.closest && event.target.closest(".paper-card");
    if (card) {
      var previous = current();
      if (previous) previous.classList.remove("is-current");
      card.classList.add("is-current");
    }
    if (event.target.closest && event.target.closest("[data-show-keys]")) showKeys();
  });
})();
