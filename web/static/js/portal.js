// Progressive enhancement only: every page works without this. Each behaviour is a module
// attached to the elements that carry its data attribute.
const behaviours = {
  "[data-token-from-fragment]": () => import("./token-from-fragment.js"),
  "[data-password-checklist]": () => import("./password-checklist.js"),
  "[data-shown-when]": () => import("./reveal.js"),
  "[data-local-time]": () => import("./local-time.js"),
};

for (const [selector, load] of Object.entries(behaviours)) {
  const elements = document.querySelectorAll(selector);
  if (elements.length > 0) {
    load().then((behaviour) => elements.forEach((element) => behaviour.attach(element)));
  }
}
