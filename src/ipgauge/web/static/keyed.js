"use strict";
// the key goes in the X-Api-Key header, never in the URL
document.body.addEventListener("htmx:configRequest", (e) => {
  const key = document.getElementById("api-key");
  if (key && key.value) e.detail.headers["X-Api-Key"] = key.value;
});
document.body.addEventListener("htmx:responseError", (e) => {
  let message = e.detail.xhr.status + "";
  try { message = JSON.parse(e.detail.xhr.responseText).error; } catch (_) {}
  e.detail.target.textContent = message;
});
