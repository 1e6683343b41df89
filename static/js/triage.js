// Keyboard triage on pages of paper cards: j/k move between cards, l likes and
// x marks not interested (then the next card), u undoes the last of those,
// c adds to (or removes from) the last collection used and C opens the card's
// collection menu, o opens the paper, ? lists the keys.
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
    // Past the last card, the next page comes in and j goes on into it.
    var more = document.querySelector("#load-more a");
    if (step > 0 && index === all.length - 1 && more) {
      more.click();
      return;
    }
    // Nothing selected yet: j starts at the first card, k at the last.
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : index + step;
    select(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  // The card last liked or marked not interested: u undoes there, wherever
  // the selection has moved since.
  var judged = null;

  // A button states what it asks for: a paper already liked has no "like"
  // button to press, so a second l changes nothing.
  function judge(value) {
    var card = current();
    var button = card && card.querySelector('button[name="value"][value="' + value + '"]');
    if (!button) return;
    button.click();
  }

  function undo() {
    var button = judged && judged.isConnected && judged.querySelector("button.undo");
    if (!button) return;
    select(judged);
    button.click();
  }

  // The collection buttons of the current card, or of the paper's own page.
  function collectOf() {
    var card = current() || document.querySelector(".paper-record");
    return card && card.querySelector(".collect");
  }

  function collect() {
    var buttons = collectOf();
    var main = buttons && buttons.querySelector("button.collect-main");
    if (main) main.click();
  }

  function chooseCollection() {
    var menu = collectOf() && collectOf().querySelector("details.collect-menu");
    if (!menu) return;
    menu.open = true;
    var first = menu.querySelector(".collect-option, input");
    if (first) first.focus();
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
      l: function () { judge("like"); },
      x: function () { judge("not-interested"); },
      u: undo,
      c: collect,
      C: chooseCollection,
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

  // A click on a card makes it the current one, so the keys act on it next;
  // a like or "not interested" (by click or key) then moves on to the next.
  document.addEventListener("click", function (event) {
    var card = event.target.closest && event.target.closest(".paper-card");
    if (card) {
      var previous = current();
      if (previous) previous.classList.remove("is-current");
      card.classList.add("is-current");
      if (event.target.closest("button.feedback-button")) {
        judged = card;
        answered = card;
      }
    }
    if (event.target.closest && event.target.closest("[data-show-keys]")) showKeys();
  });

  // Moved on once the judgement is stored, not in the click: htmx reads the
  // pressed button when the form submits, and focus leaving the form first
  // would lose it.
  var answered = null;
  document.addEventListener("htmx:afterRequest", function (event) {
    var card = answered;
    answered = null;
    if (card && event.detail.successful && card === current()) move(1);
  });
})();
