// The review page's keyboard work: Enter moves to the next field,
// Ctrl+Enter approves, the focused field's box is lit on the page image,
// and the claim on the form is renewed while the reviewer is active.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll("[data-field]"));
    var approve = document.getElementById("approve");
    var light = function (name, on) {
      var boxes = document.querySelectorAll('rect[data-box="' + CSS.escape(name) + '"]');
      for (var i = 0; i < boxes.length; i++) {
        boxes[i].classList.toggle("active", on);
        if (on && boxes[i].scrollIntoView) {
          boxes[i].scrollIntoView({ block: "nearest", inline: "nearest" });
        }
      }
      var field = form.querySelector('.field[data-for="' + CSS.escape(name) + '"]');
      if (field) { field.classList.toggle("active", on); }
    };
    inputs.forEach(function (el, i) {
      el.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) { return; }
        e.preventDefault();
        var next = inputs[i + 1] || approve;
        // Skip fields hidden in a closed <details>.
        while (next && next !== approve && next.offsetParent === null) {
          next = inputs[inputs.indexOf(next) + 1] || approve;
        }
        next.focus();
        if (next.select) { next.select(); }
      });
      // Enter must never submit the form by itself: browsers submit on
      // the key's character when its keydown was not the one cancelled.
      el.addEventListener("keypress", function (e) {
        if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) { e.preventDefault(); }
      });
      el.addEventListener("focus", function () { light(el.dataset.field, true); });
      el.addEventListener("blur", function () { light(el.dataset.field, false); });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        approve.click();
      }
    });
    var first = form.dataset.first ? document.getElementById(form.dataset.first) : inputs[0];
    if (first) { first.focus(); if (first.select) { first.select(); } }
  }

  var renew = document.getElementById("claim-renew");
  if (renew && window.fetch) {
    var active = false;
    ["keydown", "mousedown", "input", "scroll"].forEach(function (ev) {
      document.addEventListener(ev, function () { active = true; }, { passive: true });
    });
    setInterval(function () {
      if (!active) { return; }
      active = false;
      fetch(renew.action, { method: "POST", body: new FormData(renew), credentials: "same-origin" });
    }, 120000);
  }
})();
