// The API key of this browser tab: typed into the top bar, kept in sessionStorage (gone
// when the tab closes, never in localStorage), sent with every HTMX request and by
// geoetlFetch. Pages hold no data of their own: their fragments need a reader key.
(function () {
  const KEY = "geoetl-api-key";

  window.geoetlKey = function () { return sessionStorage.getItem(KEY) || ""; };

  window.geoetlFetch = function (url, options) {
    options = options || {};
    const headers = Object.assign({}, options.headers || {});
    if (window.geoetlKey()) { headers["x-functions-key"] = window.geoetlKey(); }
    return fetch(url, Object.assign({}, options, { headers: headers }));
  };

  // Polling elements name a window flag that, while true, holds their requests
  // (HTMX trigger filters would need eval, which the Content-Security-Policy forbids).
  function held(element) {
    const flag = element && element.closest("[data-hold-flag]");
    return flag ? Boolean(window[flag.dataset.holdFlag]) : false;
  }

  // Registered now, not at DOMContentLoaded: htmx fires `load` triggers in its own
  // DOMContentLoaded handler, which runs first, and those requests need the key too.
  document.addEventListener("htmx:configRequest", function (event) {
    if (window.geoetlKey()) { event.detail.headers["x-functions-key"] = window.geoetlKey(); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.requestConfig.verb === "get" && held(event.detail.elt)) { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const input = document.getElementById("api-key");
    const notice = document.getElementById("key-notice");
    input.value = window.geoetlKey();
    input.addEventListener("change", function () {
      sessionStorage.setItem(KEY, input.value.trim());
      notice.textContent = "";
      htmx.trigger(document.body, "geoetl:key");
    });

    document.body.addEventListener("htmx:responseError", function (event) {
      const status = event.detail.xhr.status;
      if (status === 401 || status === 403) {
        notice.textContent = status === 401 ? "enter an API key (reader role or higher) to see this page"
                                            : "this key's role may not do that";
      }
    });
  });
})();
