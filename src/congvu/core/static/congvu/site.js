// Behaviour every page shares, kept out of the markup: the Content Security Policy (congvu.core.csp) runs no
// inline event handler.
document.addEventListener("DOMContentLoaded", function () {
  // The language switcher submits its form on change; without JavaScript its <noscript> button does.
  var language = document.getElementById("lang-select");
  if (language) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
});
