// The order form's amount as the client types: price × lots × lot size (bonds: % of face value).
// The server computes the amount that is signed; this is only what the client sees meanwhile.
(function () {
  "use strict";
  var form = document.querySelector("[data-order-form]");
  if (!form) { return; }
  var shown = form.querySelector("[data-order-amount]");
  var lot = Number(form.dataset.lot || "1");
  var face = Number(form.dataset.face || "0");
  var currency = form.dataset.currency;
  var format = new Intl.NumberFormat(document.documentElement.lang || "ru", {minimumFractionDigits: 2, maximumFractionDigits: 2});

  function number(name) {
    var input = form.elements[name];
    return input ? Number(String(input.value).replace(/\s/g, "").replace(",", ".")) : NaN;
  }

  function update() {
    var market = form.elements.type.value === "market";
    form.elements.price.disabled = market;
    var price = number("price");
    var lots = number("lots");
    if (market || !(price > 0) || !(lots > 0) || !Number.isInteger(lots)) {
      shown.textContent = "—";
      return;
    }
    var amount = price * lots * lot;
    if (form.dataset.percent) { amount = amount * face / 100; }
    shown.textContent = format.format(amount) + " " + (currency === "KZT" ? "₸" : currency);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
