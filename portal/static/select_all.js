// "Select all" for the problem list: a checkbox with data-select-all="NAME" ticks or clears
// every checkbox named NAME in the same form. Without script the boxes work one by one.
(function () {
  "use strict";
  document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (all) {
    var name = all.getAttribute("data-select-all");
    var boxes = function () {
      var scope = all.form || document;
      return scope.querySelectorAll("input[type=checkbox][name='" + name + "']");
    };
    all.classList.remove("hidden");
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
