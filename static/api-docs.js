// The API reference (/api/docs): Swagger UI, vendored, over the served OpenAPI description.
// A file, not an inline script, so the Content-Security-Policy stays strict.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-reference");
  if (!root || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: root.dataset.schema,
    domNode: root,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
  });
});
