// The password's requirements, each a cross that turns into a tick as the person types
// (I2): the list the page shows comes from the API's password check, asked again after each
// pause in typing.
const PAUSE_MS = 300;

export function attach(list) {
  const input = document.getElementById(list.dataset.passwordChecklist);
  const username = document.getElementById(list.dataset.username || "");
  if (!input) {
    return;
  }
  let timer = 0;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => check(list, input, username), PAUSE_MS);
  });
}

async function check(list, input, username) {
  const response = await fetch("/v1/patient/password-check", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      password: input.value,
      username: username ? username.value : null,
      practice_id: list.dataset.practiceId || null,
    }),
  });
  if (!response.ok) {
    return;
  }
  const answer = await response.json();
  for (const requirement of answer.requirements) {
    const item = list.querySelector(`[data-requirement='${requirement.name}']`);
    if (item) {
      item.classList.toggle("met", requirement.met);
      item.classList.toggle("unmet", !requirement.met);
      const state = item.querySelector("[data-state]");
      if (state) {
        state.textContent = requirement.met ? list.dataset.metText : list.dataset.unmetText;
      }
    }
  }
}
