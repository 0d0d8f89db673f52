// The links in our emails carry their token after "#" (never sent to any server, never in a
// log). This puts it into the form's token field, hides the box that asks the person to paste
// the link (the no-script way), and takes the token out of the address bar and history.
export function attach(form) {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (!match) {
    return;
  }
  const field = form.querySelector("input[name='link']");
  if (field) {
    field.value = match[1];
    const group = field.closest("[data-paste-link]");
    if (group) {
      group.hidden = true;
    }
  }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
}
