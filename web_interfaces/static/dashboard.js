// Dashboard behaviour: pause auto-refresh, send the admin key with cancel/retry, report errors.
(function () {
  const KEY = "geoetl-admin-key";
  window.geoetlPaused = false;

  document.addEventListener("DOMContentLoaded", function () {
    const pause = document.getElementById("pause");
    const keyInput = document.getElementById("admin-key");
    const flash = document.getElementById("flash");
    keyInput.value = localStorage.getItem(KEY) || "";
    keyInput.addEventListener("change", function () { localStorage.setItem(KEY, keyInput.value); });

    pause.addEventListener("click", function () {
      window.geoetlPaused = !window.geoetlPaused;
      pause.setAttribute("aria-pressed", String(window.geoetlPaused));
      pause.textContent = window.geoetlPaused ? "Resume" : "Pause";
    });

    document.body.addEventListener("htmx:configRequest", function (event) {
      const key = localStorage.getItem(KEY);
      if (key && event.detail.verb !== "get") { event.detail.headers["x-functions-key"] = key; }
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
