// The Enable page: "What <provider> will ask you" lists the permissions of the feeds ticked
// now, as the consent screen will. Without JavaScript the list is right for the feeds ticked
// when the page loaded.
(function () {
  var form = document.querySelector("form[data-enable]");
  var list = form && form.querySelector("[data-asks]");
  if (!list) return;

  function update() {
    var ticked = {};
    var any = false;
    form.querySelectorAll("input[name=feeds]:checked").forEach(function (box) {
      ticked[box.value] = true;
      any = true;
    });
    var asked = 0;
    list.querySelectorAll("[data-asked-by], [data-always]").forEach(function (item) {
      var by = (item.getAttribute("data-asked-by") || "").split(" ");
      var shown = item.hasAttribute("data-always") || by.some(function (feed) { return ticked[feed]; });
      item.hidden = !shown;
      if (shown) asked += 1;
    });
    list.querySelector("[data-nothing-asked]").hidden = asked > 0 || !any;
  }

  form.addEventListener("change", update);
  update();
})();
