// The order form as the client types: the amount (price × lots × lot size; bonds: % of face value)
// and NPR1 after the order, asked of the desk (GET /cabinet/orders/check: it only reads).
// The server checks again what is signed; this is only what the client sees meanwhile.
(function () {
  "use strict";
  var form = document.querySelector("[data-order-form]");
  if (!form) { return; }
  var shown = form.querySelector("[data-order-amount]");
  var npr1 = form.querySelector("[data-order-npr1]");
  var lot = Number(form.dataset.lot || "1");
  var face = Number(form.dataset.face || "0");
  var currency = form.dataset.currency;
  var format = new Intl.NumberFormat(document.documentElement.lang || "ru", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  var pending = null;
  var asked = 0;

  function number(name) {
    var input = form.elements[name];
    return input ? Number(String(input.value).replace(/\s/g, "").replace(",", ".")) : NaN;
  }

  function updateAmount() {
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

  function showCheck(answer) {
    npr1.querySelector("[data-npr1-now]").textContent = answer.npr1_now || "—";
    var after = npr1.querySelector("[data-npr1-after]");
    after.textContent = answer.npr1_after || "—";
    after.className = answer.accepted ? "" : "negative";
    npr1.querySelector("[data-npr1-message]").textContent = answer.accepted ? "" : (answer.message || "");
  }

  function askCheck() {
    var lots = number("lots");
    if (!npr1 || !(lots > 0) || !Number.isInteger(lots)) { return; }
    var query = new URLSearchParams();
    ["venue", "code", "side", "type", "price", "lots"].forEach(function (name) {
      var input = form.elements[name];
      if (input && !input.disabled) { query.set(name, input.value); }
    });
    var mine = ++asked;
    fetch(npr1.dataset.checkUrl + "?" + query.toString(), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === asked) { showCheck(answer); } })
      .catch(function () { /* the figure stays as it was; the server checks on submit */ });
  }

  function update() {
    updateAmount();
    clearTimeout(pending);
    pending = setTimeout(askCheck, 250);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  updateAmount();
  askCheck();
})();
