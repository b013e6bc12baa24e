import ms from "ms";

const LAUNCH = Date.parse("2030-01-01T00:00:00Z");

function render() {
  const left = LAUNCH - Date.now();
  const el = document.getElementById("countdown");
  el.textContent = left > 0 ? `launch in ${ms(left, { long: true })}` : "launched!";
}

document.addEventListener("DOMContentLoaded", () => {
  render();
  setInterval(render, 1000);
});
