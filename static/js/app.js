// Small page helpers shared by every page. htmx does the rest.
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.getElementById("htmx-error");
  if (box) {
    box.textContent = "The server could not complete the request (" + evt.detail.xhr.status + "). Reload the page and try again.";
    box.classList.remove("d-none");
  }
});
