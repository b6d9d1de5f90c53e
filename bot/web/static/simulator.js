// The debtor's phone: send with fetch, poll the message log for replies.
// Every text is set with textContent, so nothing a message says can become HTML.
(function () {
  "use strict";
  var phone = document.getElementById("phone");
  if (!phone) return;
  var box = document.getElementById("sim-messages");
  var form = document.getElementById("sim-form");
  var input = document.getElementById("sim-text");
  var address = phone.dataset.address;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function bubble(m) {
    var div = document.createElement("div");
    // the debtor's own messages are on the right
    div.className = "bubble " + (m.direction === "in" ? "out" : "in");
    div.dataset.id = m.id;
    var text = document.createElement("div");
    text.className = "text";
    // the PIX code is shown once, in its own box with a copy button
    text.textContent = m.pix_code ? m.text.split(m.pix_code).join("").trim() : m.text;
    div.appendChild(text);
    if (m.pix_code) {
      var pix = document.createElement("div");
      pix.className = "pix";
      pix.textContent = m.pix_code;
      div.appendChild(pix);
      var copy = document.createElement("button");
      copy.type = "button";
      copy.className = "small copy-pix";
      copy.textContent = phone.dataset.copy || "Copy";
      copy.addEventListener("click", function () {
        var done = function () { copy.textContent = phone.dataset.copied || "✓"; };
        if (navigator.clipboard) { navigator.clipboard.writeText(m.pix_code).then(done, done); }
      });
      div.appendChild(copy);
    }
    if (m.buttons && m.buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      m.buttons.forEach(function (title) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "small";
        b.textContent = title;
        b.addEventListener("click", function () { send(title); });
        row.appendChild(b);
      });
      div.appendChild(row);
    }
    return div;
  }

  var busy = false;
  function poll() {
    if (busy) return;
    busy = true;
    var url = "/simulator/messages?address=" + encodeURIComponent(address) +
      "&after=" + encodeURIComponent(box.dataset.after);
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {messages: []}; })
      .then(function (body) {
        body.messages.forEach(function (m) {
          if (!box.querySelector('[data-id="' + m.id + '"]')) box.appendChild(bubble(m));
          box.dataset.after = Math.max(Number(box.dataset.after), m.id);
        });
        if (body.messages.length) box.scrollTop = box.scrollHeight;
      })
      .finally(function () { busy = false; });
  }

  function send(text) {
    return fetch("/simulator/send", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({address: address, text: text})
    }).then(poll);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  poll();
  setInterval(poll, 1000);
})();
