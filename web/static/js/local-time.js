// A moment the page shows in UTC, shown in the browser's own time zone and the page's
// language instead.
export function attach(element) {
  const moment = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(moment.getTime())) {
    return;
  }
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "long",
    timeStyle: "short",
  });
  element.textContent = format.format(moment);
}
