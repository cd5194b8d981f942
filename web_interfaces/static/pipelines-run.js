// The execution view: what cancel/retry did (the job detail fragment's buttons post with
// the key api-key.js sends), and the flow's stage boxes show their tasks when clicked.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const flash = document.getElementById("flash");
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.requestConfig.verb === "get") { return; }
      let detail = event.detail.xhr.statusText;
      try { detail = JSON.parse(event.detail.xhr.responseText).detail || "done"; } catch (e) { /* not JSON */ }
      flash.textContent = event.detail.successful ? "done" : "failed: " + detail;
      htmx.trigger(document.body, "geoetl:key");
    });
  });
})();
