/**
 * The HTML of a `bimt view` page (docs/design.md, "View"): one file holding its style, its script
 * (dist/view/page.js, bundled at build time by scripts/build-view.mjs) and its data as JSON, so it
 * opens from disk with no server and no network.
 */
import { fileURLToPath } from 'node:url';
import { BimtError } from '../errors.js';
import { readRegularFileIfPresent } from '../util/files.js';
import type { RunViewData, SweepViewData } from './data.js';

const SCRIPT = fileURLToPath(new URL('./page.js', import.meta.url));

/** The bundled page script is a few hundred kilobytes. */
const MAX_SCRIPT_BYTES = 16 << 20;

const STYLE = `
body { font: 13px system-ui, sans-serif; color: #222; margin: 12px 16px; }
h1 { font-size: 17px; margin: 0 0 6px; }
#controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin-bottom: 6px; }
#controls label { display: flex; gap: 6px; align-items: center; }
#step, #threshold { width: 260px; }
#stats, #note { color: #666; }
#main { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
#network { flex: 1 1 640px; max-width: 1000px; height: auto; max-height: calc(100vh - 100px); border: 1px solid #eee; }
#side { flex: 0 1 600px; display: flex; flex-direction: column; gap: 8px; }
#side svg, #plot svg { max-width: 100%; height: auto; }
#network.focus line.edge:not(.on), #network.focus circle.neuron:not(.on) { opacity: 0.08; }
#tooltip { position: absolute; display: none; background: #fff; border: 1px solid #999; padding: 5px 7px; max-width: 460px; pointer-events: none; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
table { border-collapse: collapse; margin: 8px 0 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { cursor: pointer; background: #f4f4f4; user-select: none; }
th[data-sort=asc]::after { content: ' ▲'; } th[data-sort=desc]::after { content: ' ▼'; }
td:first-child, th:first-child { text-align: left; }
`;

const RUN_BODY = `<h1 id="title"></h1>
<div id="controls">
<label>checkpoint <input id="step" type="range" min="0" step="1"></label><button id="play">▶ play</button><span id="step-label"></span>
<label>pruning threshold <input id="threshold" type="range" min="0" step="1"></label><span id="threshold-label"></span>
</div>
<div id="stats"></div><div id="note"></div>
<div id="main"><svg id="network" xmlns="http://www.w3.org/2000/svg"></svg>
<div id="side"><div id="task"></div><div id="fields"></div><div id="curves"></div></div></div>
<div id="tooltip"></div>
<p style="color:#666">Hover a neuron or an edge for its weights; click a neuron to highlight every path through it, click again to clear.</p>`;

const SWEEP_BODY = `<h1 id="title"></h1><p style="color:#666">Click a column to sort; a run's name opens its page.</p>
<table id="table"></table><div id="plot"></div>`;

/** JSON safe inside a <script> element: no "</script", no "<!--". */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

export function viewHtml(data: RunViewData | SweepViewData): string {
  const bytes = readRegularFileIfPresent(SCRIPT, 'page script', MAX_SCRIPT_BYTES);
  if (bytes === undefined) throw new BimtError(`${SCRIPT}: the page script is missing; build bimt first (npm run build)`);
  const script = bytes.toString('utf8').replace(/<\/script/gi, '<\\/script');
  const title = data.kind === 'run' ? `${data.name} · bimt view` : `${data.name} · bimt view (sweep)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title.replace(/</g, '&lt;')}</title>
<style>${STYLE}</style></head>
<body>
${data.kind === 'run' ? RUN_BODY : SWEEP_BODY}
<script type="application/json" id="bimt-data">${scriptJson(data)}</script>
<script>${script}</script>
</body></html>
`;
}
