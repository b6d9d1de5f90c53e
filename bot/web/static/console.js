// Live updates for the agent console: server-sent events say "something changed",
// then the page fetches what is new. Message text is always set with textContent.
(function () {
  "use strict";

  function listen(url, onUpdate) {
    if (!window.EventSource) { setInterval(onUpdate, 5000); return; }
    var source = new EventSource(url);
    var dot = document.getElementById("live");
    source.addEventListener("open", function () { if (dot) dot.classList.add("on"); });
    source.addEventListener("error", function () { if (dot) dot.classList.remove("on"); });
    source.addEventListener("update", function (ev) {
      var data = {};
      try { data = JSON.parse(ev.data); } catch (e) { /* ignore */ }
      onUpdate(data);
    });
    setInterval(function () { onUpdate({kind: "poll"}); }, 15000);
  }

  var inbox = document.getElementById("inbox");
  if (inbox) {
    listen(inbox.dataset.stream, function () {
      fetch(inbox.dataset.refresh, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) inbox.innerHTML = html; });
    });
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "bubble " + m.direction + " " + m.sender;
    div.dataset.id = m.id;
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = [m.sender, m.agent, m.when, m.direction === "out" ? m.status : null]
      .filter(Boolean).join(" · ");
    var text = document.createElement("div");
    text.className = "text";
    text.textContent = m.text;
    div.appendChild(meta);
    div.appendChild(text);
    if (m.intent) {
      var intent = document.createElement("div");
      intent.className = "intent";
      intent.textContent = m.intent + (m.confidence != null ? " · " + m.confidence.toFixed(2) : "");
      div.appendChild(intent);
    }
    return div;
  }

  var box = document.getElementById("messages");
  if (box) {
    box.scrollTop = box.scrollHeight;
    var busy = false;
    var refresh = function (data) {
      var kind = data && data.kind;
      if (kind && ["taken", "released", "closed", "agreement", "promise", "dispute", "invalid"].indexOf(kind) >= 0) {
        var typing = document.querySelector("#reply-form textarea");
        if (!typing || !typing.value) { window.location.reload(); return; }
      }
      if (busy) return;
      busy = true;
      fetch(box.dataset.source + "?after=" + encodeURIComponent(box.dataset.after), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {messages: []}; })
        .then(function (body) {
          body.messages.forEach(function (m) {
            var old = box.querySelector('[data-id="' + m.id + '"]');
            if (old) { old.replaceWith(bubble(m)); } else { box.appendChild(bubble(m)); }
            box.dataset.after = Math.max(Number(box.dataset.after), m.id);
          });
          if (body.messages.length) box.scrollTop = box.scrollHeight;
        })
        .finally(function () { busy = false; });
    };
    listen(box.dataset.stream, refresh);
  }
})();
