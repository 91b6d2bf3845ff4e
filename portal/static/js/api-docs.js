// Swagger UI for /api/v1/docs: reads the document's URL from the page (no inline script).
(function () {
  "use strict";
  var holder = document.getElementById("api-docs");
  if (!holder || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec-url"),
    domNode: holder,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null
  });
})();
