// lesson.html: loads the <convlens-explorer> element and shows how a page's own script can react
// to its events: the sentence under "From edges to shapes" follows the network's answer.

import "../element/explorer.js";

const view = document.getElementById("hierarchy-view");
const answer = document.getElementById("live-answer");

view?.addEventListener("prediction", (e) => {
  const { label, probability } = e.detail;
  const sure = probability === null ? "" : ` (${Math.round(probability * 100)} % sure)`;
  answer.textContent = `Right now the network says: ${label}${sure}.`;
});

view?.addEventListener("select", (e) => {
  const { layerName, channel } = e.detail;
  if (layerName) answer.textContent = `You picked ${layerName}, channel ${channel}.`;
});
