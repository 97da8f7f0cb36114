// Keyward Operator Client: the only script. Everything works without it; it adds a copy button's action and the
// live warning when a certificate on the card is unticked in a device update. Loaded from Keyward itself (no inline
// script: the content security policy allows none).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source.value ?? source.textContent;
      const said = document.querySelector(`[data-copied="${button.dataset.copy}"]`);
      try {
        await navigator.clipboard.writeText(text);
        if (said) said.textContent = "Copied.";
      } catch {
        if (source.select) source.select();
        if (said) said.textContent = "Select the text and copy it.";
      }
    });
  }

  for (const label of document.querySelectorAll("[data-on-card]")) {
    const box = label.querySelector("input[type=checkbox]");
    const warning = label.querySelector("[data-removal-warning]");
    const show = () => { warning.hidden = box.checked; };
    box.addEventListener("change", show);
    show();
  }
});
