// A part of a form that matters for one choice only (the rights of each area, once the person
// chooses to pick them): hidden until that radio is chosen. Without this script it is always
// shown, and the page ignores it for the other choices.
export function attach(part) {
  const [name, value] = part.dataset.shownWhen.split("=");
  const form = part.closest("form");
  if (!form) {
    return;
  }
  const update = () => {
    const chosen = form.querySelector(`input[name='${name}']:checked`);
    part.hidden = !chosen || chosen.value !== value;
  };
  form.addEventListener("change", update);
  update();
}
