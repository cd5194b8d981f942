// Curated datasets page: upload a manual dataset's file, trigger updates (both need an
// admin key, sent by api-key.js's geoetlFetch), and hold the refresh while a file is
// chosen so the list does not wipe the selection.
(function () {
  window.geoetlHold = false;

  function refresh() { htmx.trigger(document.getElementById("datasets"), "refresh"); }

  async function send(url, options, flash) {
    const response = await window.geoetlFetch(url, options);
    let body = null;
    try { body = await response.json(); } catch (e) { /* an empty or non-JSON answer */ }
    if (!response.ok) {
      flash.textContent = "failed: " + ((body && body.detail) || response.statusText);
      return null;
    }
    return body;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const flash = document.getElementById("flash");
    document.getElementById("refresh").addEventListener("click", refresh);

    document.body.addEventListener("change", function (event) {
      if (event.target.matches("#datasets input[type=file]")) { window.geoetlHold = event.target.files.length > 0; }
    });

    document.body.addEventListener("submit", async function (event) {
      const form = event.target.closest("form[data-action=upload]");
      if (!form) { return; }
      event.preventDefault();
      const id = form.dataset.datasetId;
      flash.textContent = "uploading " + id + "…";
      const body = await send("/api/curated/datasets/" + id + "/upload", { method: "POST", body: new FormData(form) }, flash);
      if (body) {
        flash.textContent = "uploaded " + body.blob_name + " (" + body.format + "); press Update now to load it";
        window.geoetlHold = false;
        refresh();
      }
    });

    document.body.addEventListener("click", async function (event) {
      const button = event.target.closest("button[data-action=update]");
      if (!button) { return; }
      const id = button.dataset.datasetId;
      const force = document.querySelector("[data-force-for='" + id + "']").checked;
      const body = await send("/api/curated/datasets/" + id + "/update", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ force: force }),
      }, flash);
      if (body) {
        flash.textContent = "update of " + id + " submitted: job " + body.job_id.slice(0, 12);
        refresh();
      }
    });
  });
})();
