// NCALayer client (vendored, no dependencies): asks the NCALayer app on the client's machine to
// sign an XML document with the client's NCA key (enveloped XMLDSig, `signXml`).
//   window.deskNcaLayer.signXml(xml[, url]) -> Promise<string>  the signed XML
// Rejects with an Error whose message is for the user; `error.code` is "not_running",
// "cancelled", "refused" or "protocol". Plain ES2017, no modules: include with a <script> tag.
(function () {
  "use strict";

  var NCALAYER_URL = "wss://127.0.0.1:13579/";
  var TIMEOUT_MS = 5 * 60 * 1000; // the client picks a key file and types a password

  function failure(code, message) {
    var error = new Error(message);
    error.code = code;
    return error;
  }

  function request(xml) {
    return JSON.stringify({
      module: "kz.gov.pki.knca.commonUtils",
      method: "signXml",
      args: ["PKCS12", "SIGNATURE", xml, "", ""],
    });
  }

  // NCALayer may greet a new connection with its version ({"result": {"version": …}}): only a
  // message with a `code` answers the request.
  function answer(data) {
    var message;
    try {
      message = JSON.parse(data);
    } catch (error) {
      return failure("protocol", "NCALayer sent an answer that could not be read");
    }
    if (message === null || typeof message !== "object" || !("code" in message)) {
      return null;
    }
    if (String(message.code) === "200" && typeof message.responseObject === "string") {
      return message.responseObject;
    }
    if (message.message === "action.canceled") {
      return failure("cancelled", "Signing was cancelled in NCALayer");
    }
    return failure("refused", "NCALayer did not sign: " + (message.message || "error " + message.code));
  }

  function signXml(xml, url) {
    return new Promise(function (resolve, reject) {
      var settled = false;
      var opened = false;
      var socket;
      var timer;

      function finish(outcome) {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        try {
          socket.close();
        } catch (error) {
          // already closed
        }
        if (outcome instanceof Error) {
          reject(outcome);
        } else {
          resolve(outcome);
        }
      }

      try {
        socket = new WebSocket(url || NCALAYER_URL);
      } catch (error) {
        reject(failure("not_running", "NCALayer is not running"));
        return;
      }
      timer = setTimeout(function () {
        finish(failure("not_running", "NCALayer did not answer in time"));
      }, TIMEOUT_MS);
      socket.onopen = function () {
        opened = true;
        socket.send(request(xml));
      };
      socket.onmessage = function (event) {
        var outcome = answer(event.data);
        if (outcome !== null) {
          finish(outcome);
        }
      };
      socket.onerror = function () {
        finish(failure("not_running", "NCALayer is not running"));
      };
      socket.onclose = function () {
        finish(opened ? failure("protocol", "NCALayer closed the connection without signing")
                      : failure("not_running", "NCALayer is not running"));
      };
    });
  }

  window.deskNcaLayer = { signXml: signXml, url: NCALAYER_URL };
})();
