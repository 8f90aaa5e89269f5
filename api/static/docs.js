/* Starts Swagger UI (#swagger-ui) or ReDoc (#redoc) on the page's OpenAPI URL: no inline script. */
(function () {
  "use strict";
  var swagger = document.getElementById("swagger-ui");
  var redoc = document.getElementById("redoc");
  if (swagger && window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({
      url: swagger.getAttribute("data-openapi-url"),
      dom_id: "#swagger-ui",
      layout: "BaseLayout",
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      validatorUrl: null,  // the public validator is another host
      presets: [window.SwaggerUIBundle.presets.apis],
      onComplete: function () { document.body.setAttribute("data-docs-ready", "1"); },
    });
  }
  if (redoc && window.Redoc) {
    // ReDoc's search runs in a blob: worker, which the page's CSP refuses.
    window.Redoc.init(redoc.getAttribute("data-openapi-url"), { disableSearch: true }, redoc, function () {
      document.body.setAttribute("data-docs-ready", "1");
    });
  }
})();
