// Keyboard shortcuts for the dialer: n = next lead, 1-9 = result buttons.
// Keys typed into a text field, or with a modifier, are left alone.
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  // htmx wires up swapped-in forms only when the swap settles (some ms
  // later); a key pressed in between would post the form without htmx and
  // reload the page, so the form is wired up first.
  function press(button) {
    if (window.htmx && button.form) {
      window.htmx.process(button.form);
    }
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (event.key === "n") {
      var next = document.getElementById("next-lead");
      // With a result still to save, the server would only answer with
      // the same lead again, so "n" waits for the result.
      if (next && !document.querySelector(".status-buttons")) {
        event.preventDefault();
        press(next);
      }
      return;
    }
    var button = document.querySelector(
      '.status-buttons button[data-key="' + event.key + '"]'
    );
    if (!button) {
      return;
    }
    event.preventDefault();
    var time = button.form.querySelector('input[name="callback_at"]');
    if (button.hasAttribute("data-needs-time") && time && !time.value) {
      // A callback needs its time first; the server would refuse it anyway.
      time.focus();
      return;
    }
    press(button);
  });
})();
