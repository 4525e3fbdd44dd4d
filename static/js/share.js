// Share dialog of templates/videos/_share.html: the link and the <iframe> embed code, optionally
// starting at a given time (PeerTube's `?start=1m30s`), with copy buttons.
import { compactTime, formatTime, parseTime } from "./time.js";

/** Text made safe for an HTML attribute value in the embed code. */
function escapeAttribute(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function setUp(root) {
  const { watchUrl, embedUrl, title, labelCopied } = root.dataset;
  const dialog = root.querySelector(".share-dialog");
  const link = root.querySelector(".share-link");
  const embed = root.querySelector(".share-embed");
  const startEnabled = root.querySelector(".share-start-enabled");
  const startTime = root.querySelector(".share-start-time");

  function withStart(url) {
    const seconds = parseTime(startTime.value);
    return startEnabled.checked && seconds ? `${url}?start=${compactTime(seconds)}` : url;
  }

  function update() {
    link.value = withStart(watchUrl);
    embed.value =
      `<iframe title="${escapeAttribute(title)}" width="560" height="315" src="${escapeAttribute(withStart(embedUrl))}" ` +
      `style="border: 0" allow="fullscreen" allowfullscreen ` +
      `sandbox="allow-same-origin allow-scripts allow-popups allow-forms"></iframe>`;
  }

  root.querySelector(".share-open").addEventListener("click", () => {
    // Offer the position the viewer is at, as a starting point.
    const video = document.querySelector("[data-player] video");
    if (video && video.currentTime >= 1) startTime.value = formatTime(video.currentTime);
    update();
    dialog.showModal();
  });
  startEnabled.addEventListener("change", update);
  startTime.addEventListener("input", () => {
    startEnabled.checked = parseTime(startTime.value) !== null;
    update();
  });
  for (const button of root.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const field = root.querySelector(button.dataset.copy);
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        document.execCommand("copy"); // no clipboard API outside secure contexts (plain http)
      }
      const label = button.textContent;
      button.textContent = labelCopied;
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  }
  update();
}

for (const root of document.querySelectorAll("[data-share]")) setUp(root);
