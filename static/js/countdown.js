// Counts down to the bid window's close (or opening); the server decides, this only shows.
(function () {
  var nodes = document.querySelectorAll("[data-countdown]");
  if (!nodes.length) return;
  var started = Date.now();
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var elapsed = Math.floor((Date.now() - started) / 1000);
    nodes.forEach(function (node) {
      var left = Math.max(0, parseInt(node.getAttribute("data-countdown"), 10) - elapsed);
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      node.textContent = pad(h) + ":" + pad(m) + ":" + pad(s);
      if (left === 0 && !node.hasAttribute("data-done")) {
        node.setAttribute("data-done", "1");
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
