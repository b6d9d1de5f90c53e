// Enhances the self-service page: simulations update in place, the PIX code copies.
// Everything also works without it (plain forms, server-rendered).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  document.querySelectorAll("form.simulate").forEach(function (form) {
    var card = form.closest(".offer");
    var slot = card.querySelector(".plan-slot");
    var accept = card.querySelector("form.accept");
    var range = form.querySelector("input[type=range]");
    var output = form.querySelector("output");
    var date = form.querySelector("input[type=date]");
    var pending = null;

    function update() {
      var params = new URLSearchParams(new FormData(form));
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(form.dataset.quote + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          slot.innerHTML = data.html; // rendered and escaped by the server
          accept.querySelector("input[name=n]").value = data.installments;
          accept.querySelector("input[name=first_due]").value = data.first_due;
          if (range) range.value = data.installments;
          if (output) output.textContent = data.installments;
          if (date) date.value = data.first_due;
        })
        .catch(function () {});
    }

    var later = debounce(update, 150);
    if (range) {
      range.addEventListener("input", function () {
        if (output) output.textContent = range.value;
        later();
      });
    }
    if (date) date.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
  });

  var copy = document.getElementById("copy-pix");
  var code = document.getElementById("pix-code");
  if (copy && code) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var status = document.getElementById("copy-status");
      function done() { if (status) status.textContent = copy.dataset.copied; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code.value).then(done, function () {
          code.select();
          document.execCommand("copy");
          done();
        });
      } else {
        code.select();
        document.execCommand("copy");
        done();
      }
    });
  }
})();
