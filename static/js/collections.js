// Collections: a card's menu closes on Escape or a click elsewhere; after a
// paper is added to a collection, every other card's one-click button adds
// to that one too; the reader's list of collections is reordered by drag
// and drop (the arrow buttons do it without JavaScript).
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details.collect-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details.collect-menu"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.collect-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });

  // A card's menu button of the collection says what a click would do there;
  // the one-click button takes it over. A collection made since the page
  // came holds no other card's paper yet: the button adds to it. A page of
  // one collection keeps its own.
  document.body.addEventListener("collection-used", function (event) {
    var id = String(event.detail.id);
    document.querySelectorAll(".collect:not([data-here])").forEach(function (buttons) {
      var option = buttons.querySelector('.collect-option[data-collection="' + id + '"]');
      var main = buttons.querySelector("button.collect-main");
      if (!main) return;
      main.name = option ? option.name : "add";
      main.value = id;
      main.setAttribute("aria-pressed", option ? option.getAttribute("aria-pressed") : "false");
      main.querySelector(".collect-name").textContent = option ? option.textContent : event.detail.name;
    });
  });

  function enableDrag(list) {
    if (list.dataset.dragReady) return;
    list.dataset.dragReady = "true";
    var dragged = null;
    list.querySelectorAll(".collection-item").forEach(function (item) {
      item.draggable = true;
    });
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".collection-item");
      if (!dragged) return;
      dragged.classList.add("is-dragged");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.id);
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest(".collection-item");
      if (!dragged || !over || over === dragged) return;
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      if (dragged) event.preventDefault();
    });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("is-dragged");
      dragged = null;
      var order = Array.prototype.map.call(
        list.querySelectorAll(".collection-item"),
        function (item) { return item.dataset.id; }
      );
      // The answer is the list again, its arrows right for the new order.
      htmx.ajax("POST", list.dataset.orderUrl, {
        target: "#collection-list",
        swap: "outerHTML",
        values: { order: order.join(",") },
      });
    });
  }

  function setUp(root) {
    var list = root.querySelector ? root.querySelector("#collection-list") : null;
    if (root.id === "collection-list") list = root;
    if (list) enableDrag(list);
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
})();
