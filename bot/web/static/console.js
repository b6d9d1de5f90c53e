// The agent console: live updates (server-sent events say "something changed", then the
// page fetches what is new), Enter sends, canned replies, tab title and a sound when a new
// chat starts waiting. Message text is always set with textContent, never as HTML.
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

  // A short beep made on the spot (no audio file to fetch); browsers may keep it silent
  // until the page has been clicked once.
  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.18);
    } catch (e) { /* no sound is fine */ }
  }

  var inbox = document.getElementById("inbox");
  if (inbox) {
    var baseTitle = document.title;
    var known = Number(inbox.dataset.unassigned || 0);
    var alerted = 0;
    var showTitle = function (waiting) {
      document.title = (alerted > 0 ? "(" + waiting + ") " : "") + baseTitle;
    };
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { alerted = 0; showTitle(0); }
    });
    listen(inbox.dataset.stream, function () {
      fetch(inbox.dataset.refresh, {credentials: "same-origin"})
        .then(function (r) {
          if (!r.ok) return null;
          var waiting = Number(r.headers.get("X-Unassigned") || 0);
          var count = document.getElementById("count-unassigned");
          if (count) count.textContent = String(waiting);
          if (waiting > known) { alerted += waiting - known; beep(); }
          known = waiting;
          if (alerted > 0) showTitle(waiting);
          inbox.dataset.unassigned = String(waiting);
          return r.text();
        })
        .then(function (html) { if (html !== null) inbox.innerHTML = html; });
    });
  }

  var reply = document.getElementById("reply-form");
  if (reply) {
    var area = reply.querySelector("textarea");
    area.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        if (area.value.trim() && reply.reportValidity()) reply.requestSubmit();
      }
    });
    var canned = document.getElementById("canned");
    if (canned) {
      canned.addEventListener("change", function () {
        if (canned.value) { area.value = canned.value; area.focus(); }
        canned.value = "";
      });
    }
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "bubble " + m.direction + " " + m.sender;
    div.dataset.id = m.id;
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.appendChild(document.createTextNode(
      [m.sender_label || m.sender, m.agent, m.when].filter(Boolean).join(" · ")));
    if (m.direction === "out") {
      meta.appendChild(document.createTextNode(" · "));
      var status = document.createElement("span");
      status.className = "status";
      status.dataset.status = m.status;
      status.textContent = m.status_label || m.status;
      meta.appendChild(status);
    }
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

  // a form on its way to the server must not be cut short by a live reload
  var leaving = false;
  document.addEventListener("submit", function () { leaving = true; });

  var box = document.getElementById("messages");
  if (box) {
    box.scrollTop = box.scrollHeight;
    var busy = false;
    var side = document.getElementById("side");
    var refreshPanel = function () {
      if (!side) return;
      fetch(side.dataset.source, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && !leaving) side.innerHTML = html; });
    };
    var refresh = function (data) {
      var kind = data && data.kind;
      // a payment changes the balance and the debts, not what is being typed: swap the panel
      if (kind === "payment") refreshPanel();
      if (kind && ["taken", "released", "closed", "agreement", "promise", "dispute", "invalid", "approval"].indexOf(kind) >= 0) {
        var typing = document.querySelector("#reply-form textarea");
        if (leaving) return;
        if (!typing || !typing.value) { window.location.reload(); return; }
      }
      if (busy) return;
      busy = true;
      fetch(box.dataset.source + "?after=" + encodeURIComponent(box.dataset.after), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {messages: [], statuses: {}}; })
        .then(function (body) {
          body.messages.forEach(function (m) {
            var old = box.querySelector('[data-id="' + m.id + '"]');
            if (old) { old.replaceWith(bubble(m)); } else { box.appendChild(bubble(m)); }
            box.dataset.after = Math.max(Number(box.dataset.after), m.id);
          });
          Object.keys(body.statuses || {}).forEach(function (id) {
            var el = box.querySelector('[data-id="' + id + '"] .status');
            var now = body.statuses[id];
            if (el && el.dataset.status !== now.status) {
              el.dataset.status = now.status;
              el.textContent = now.label;
            }
          });
          if (body.messages.length) box.scrollTop = box.scrollHeight;
          // a message still queued: look again shortly (the sender reports no event)
          if (box.querySelector('.status[data-status="queued"]')) setTimeout(refresh, 1500);
        })
        .finally(function () { busy = false; });
    };
    listen(box.dataset.stream, refresh);
  }
})();
