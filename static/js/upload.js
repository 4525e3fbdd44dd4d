// The upload form, enhanced: the file goes up with XMLHttpRequest so a real progress bar can follow
// the bytes (fetch cannot report upload progress). Without JavaScript the form posts as usual and the
// server answers the same pages, so this file only adds the bar and keeps the page in place.
(function () {
  "use strict";

  function showError(form, message) {
    var box = form.querySelector("#upload-errors");
    var paragraph = document.createElement("p");
    paragraph.className = "error";
    paragraph.textContent = message;
    box.replaceChildren(paragraph);
    box.scrollIntoView({ block: "center" });
  }

  function setProgress(form, percent) {
    var rounded = Math.floor(percent);
    form.querySelector("#upload-bar").value = rounded;
    form.querySelector("#upload-percent").textContent = rounded + " %";
  }

  function showServerAnswer(form, request) {
    // A refused upload comes back as the same form with its errors (bad file, missing title...):
    // swap it in. Anything else is where the browser would have gone: the watch page, or the login
    // page if the session expired.
    var fresh = new DOMParser().parseFromString(request.responseText, "text/html").getElementById("upload-form");
    if (!fresh) {
      if (request.status < 400) window.location.assign(request.responseURL);
      else showError(form, form.dataset.networkError);
      return;
    }
    fresh = document.adoptNode(fresh);
    form.replaceWith(fresh);
    enhance(fresh);
    var firstError = fresh.querySelector(".error");
    if (firstError) firstError.scrollIntoView({ block: "center" });
  }

  function send(form) {
    var file = form.elements.videofile.files[0];
    if (file && file.size > Number(form.dataset.maxSize)) {
      showError(form, form.dataset.tooLarge);
      return;
    }
    var data = new FormData(form);
    var button = form.querySelector("button[type=submit]");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) setProgress(form, (100 * event.loaded) / event.total);
    });
    request.upload.addEventListener("load", function () {
      setProgress(form, 100);
      form.querySelector("#upload-processing").hidden = false;
    });
    request.addEventListener("load", function () {
      showServerAnswer(form, request);
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      showError(form, form.dataset.networkError);
    });
    form.querySelector("#upload-errors").replaceChildren();
    form.querySelector("#upload-progress").hidden = false;
    setProgress(form, 0);
    button.disabled = true;
    request.send(data);
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  }

  var form = document.getElementById("upload-form");
  if (form && window.FormData && window.DOMParser) enhance(form);
})();
