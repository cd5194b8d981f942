// Dashboard behaviour: pause auto-refresh, report what cancel/retry did. The API key is
// sent by api-key.js with every request (cancel and retry need a submitter's own job, or admin).
(function () {
  window.geoetlPaused = false;

  document.addEventListener("DOMContentLoaded", function () {
    const pause = document.getElementById("pause");
    const flash = document.getElementById("flash");

    pause.addEventListener("click", function () {
      window.geoetlPaused = !window.geoetlPaused;
      pause.setAttribute("aria-pressed", String(window.geoetlPaused));
      pause.textContent = window.geoetlPaused ? "Resume" : "Pause";
    });

    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.requestConfig.verb === "get") { return; }
      if (event.detail.successful) {
        flash.textContent = "done";
        htmx.trigger(document.getElementById("filters"), "change");  // re-fetch the list now
      } else {
        let detail = event.detail.xhr.statusText;
        try { detail = JSON.parse(event.detail.xhr.responseText).detail; } catch (e) { /* not problem+json */ }
        flash.textContent = "failed: " + detail;
      }
    });
  });
})();
