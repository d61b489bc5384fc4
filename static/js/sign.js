// The "Sign with EDS" button: NCALayer (static/js/ncalayer.js) signs the issued XML, read from
// the button's data-document-xml, and the signed XML is posted in the form's hidden field.
// The server verifies everything; this only carries the document to NCALayer and back.
(function () {
  var button = document.querySelector("[data-sign-eds]");
  if (!button) return;
  var form = document.getElementById(button.getAttribute("data-form"));
  var status = form.querySelector("[data-eds-status]");

  function say(text) { status.textContent = text; }

  button.addEventListener("click", function () {
    if (!window.deskNcaLayer) { say(button.getAttribute("data-no-ncalayer")); return; }
    button.disabled = true;
    say(button.getAttribute("data-waiting"));
    window.deskNcaLayer.signXml(button.getAttribute("data-document-xml")).then(function (signed) {
      form.querySelector("[name=signed_xml]").value = signed;
      form.submit();
    }, function (error) {
      button.disabled = false;
      say(button.getAttribute("data-failed") + (error && error.message ? " " + error.message : ""));
    });
  });
})();
