// "My videos" while something is transcoding: read this page again every few seconds and replace the
// state badges in place. (The API only knows bearer tokens; this page knows the session.)
(function () {
  "use strict";
  var REFRESH_MS = 5000;

  function transcoding() {
    return document.querySelector("[data-state-of][data-transcoding]") !== null;
  }

  function refresh() {
    return fetch(window.location.href, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-state-of]").forEach(function (badge) {
          var update = fresh.querySelector('[data-state-of="' + badge.dataset.stateOf + '"]');
          if (update) badge.replaceWith(document.adoptNode(update));
        });
      });
  }

  function loop() {
    if (transcoding()) refresh().finally(function () { window.setTimeout(loop, REFRESH_MS); });
  }

  window.setTimeout(loop, REFRESH_MS);
})();
