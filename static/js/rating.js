// Like / dislike form of templates/videos/_rating.html, sent with fetch so the page (and the player)
// stays where it is; without JavaScript, or when fetch fails, the form posts and the page comes back.

function setUp(form) {
  let native = false;
  form.addEventListener("submit", async (event) => {
    if (native) return;
    event.preventDefault();
    const submitter = event.submitter;
    const buttons = form.querySelectorAll(".rate-button");
    const body = new FormData(form, submitter);
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`rating refused: ${response.status}`);
      const { likes, dislikes, rating } = await response.json();
      form.querySelector('[data-count="likes"]').textContent = likes;
      form.querySelector('[data-count="dislikes"]').textContent = dislikes;
      buttons.forEach((button) => {
        const pressed = button.dataset.kind === rating;
        button.setAttribute("aria-pressed", String(pressed));
        button.value = pressed ? "none" : button.dataset.kind;
      });
    } catch {
      native = true;
      buttons.forEach((button) => { button.disabled = false; });
      form.requestSubmit(submitter);
      return;
    }
    buttons.forEach((button) => { button.disabled = false; });
  });
}

document.querySelectorAll("[data-rating]").forEach(setUp);
