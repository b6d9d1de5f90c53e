// The results page: when a payment is counted (server-sent events on the "payments" topic)
// a notice offers to refresh the figures; the page never reloads by itself under a manager.
(function () {
  "use strict";
  var notice = document.getElementById("new-payments");
  if (!notice || !window.EventSource) return;
  var source = new EventSource(notice.dataset.stream);
  source.addEventListener("update", function () { notice.hidden = false; });
  var link = notice.querySelector("a");
  if (link) link.href = window.location.href;
})();
