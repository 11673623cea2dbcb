// What the two benchmark pages share (index.html with bench.js, train.html with train.js): element
// lookups, the clock, the status line, table rows and notes, and how a run ends: its result on
// window.benchResult and body.dataset.done ("1" or "error"), which the runners (e2e/bench.mjs,
// e2e/bench-train.mjs) watch.

export const $ = (id) => document.getElementById(id);
export const now = () => performance.now();
/** Lets the page repaint. */
export const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

export function status(text) {
  $("bench-status").textContent = text;
}

/** Appends a row of text cells to the body of the table with id `table`. */
export function addRow(table, cells) {
  const tr = document.createElement("tr");
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  $(table).tBodies[0].append(tr);
}

/** Shows `text` in the notes list; with `result`, records it in `result.notes` too. */
export function addNote(text, result) {
  result?.notes.push(text);
  const li = document.createElement("li");
  li.textContent = text;
  $("bench-notes").append(li);
}

/** Ends a run begun at `started` (a `now()`): its total time, the status line, the result. */
export function finish(result, started) {
  result.totalSeconds = (now() - started) / 1000;
  status(`done in ${result.totalSeconds.toFixed(1)} s`);
  window.benchResult = result;
  document.body.dataset.done = "1";
}

/** Runs `main`; if it fails, the page shows "`what` failed: <message>" and reports the error. */
export function runPage(main, what) {
  main().catch((e) => {
    const message = e instanceof Error ? e.message : String(e);
    $("error-message").textContent = `${what} failed: ${message}`;
    $("error").hidden = false;
    window.benchResult = { error: message };
    document.body.dataset.done = "error";
  });
}
