// The dashboard's only script: it reads /api/v1/dashboard and /api/v1/charts,
// redraws when the journal says something happened (server-sent events from
// /api/v1/events) and every few seconds for the clocks. Text from the run
// (task texts, log lines) only ever goes in through textContent; the charts
// are SVG the server drew with every string escaped.

const $ = (id) => document.getElementById(id);
const REDRAW_EVERY_MS = 5000;
const LOG_EVERY_MS = 2000;
let chosenTask = null;
let drawing = null;
let again = false;

async function json(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

const usd = (value) => (value === null || value === undefined ? '–' : `$${value < 10 ? value.toFixed(4) : value.toFixed(2)}`);
const clock = (iso) => new Date(iso).toISOString().slice(11, 19);

function elapsed(fromIso, nowIso) {
  const seconds = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(fromIso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function kpis(view) {
  const { totals, queue, agents, budget } = view;
  const waiting = (queue.counts.waiting ?? 0) + (queue.counts.delayed ?? 0);
  const cards = [
    ['merged', `${totals.merged} of ${totals.tasks}`],
    ['agents at work', `${agents.length}`],
    ['queued', `${waiting}`],
    ['failed', `${totals.failed}`],
    ['spend', usd(totals.costUsd)],
    ['budget left', budget.runLeftUsd === undefined ? 'no limit' : usd(budget.runLeftUsd)],
    ['per merge', usd(totals.costPerMergeUsd)],
    ['merges per hour', totals.mergesPerHour === null ? '–' : `${totals.mergesPerHour}`],
  ];
  $('kpis').replaceChildren(...cards.map(([label, value]) => el('div', { class: 'kpi', 'data-kpi': label }, el('span', { class: 'muted', text: label }), el('b', { text: value }))));
}

function agents(view) {
  if (view.agents.length === 0) {
    $('agents').replaceChildren(el('p', { class: 'muted', text: 'No agent at work.' }));
    return;
  }
  $('agents').replaceChildren(...view.agents.map((agent) => {
    const card = el('div', { class: `agent${agent.task === chosenTask ? ' selected' : ''}`, 'data-task': agent.task, 'data-status': agent.status },
      el('div', { class: 'top' }, el('span', { class: 'task', text: agent.task }), el('span', { class: 'role', text: agent.role })),
      el('div', { class: 'facts', text: `${agent.status} · attempt ${agent.attempt} · session ${agent.session} · ${elapsed(agent.startedAt, view.now)} · ${usd(agent.costUsd)}${agent.agent ? ` · ${agent.agent}` : ''}` }),
      el('div', { class: 'line', title: agent.lastLine, text: agent.lastLine }));
    card.addEventListener('click', () => choose(agent.task));
    return card;
  }));
}

const STEP = {
  merged: (step) => ['merged', 'merged', `into main as ${step.commit.slice(0, 10)}`],
  tested: (step) => [step.passed ? 'passed' : 'failed', step.passed ? 'gate passed' : 'gate failed', `${(step.durationMs / 1000).toFixed(1)} s${step.batch > 1 ? `, batch of ${step.batch}` : ''}`],
  rejected: (step) => ['rejected', step.final ? 'rejected, gave up' : 'sent back', step.reason],
};

function timeline(view) {
  if (view.gate.length === 0) {
    $('timeline').replaceChildren(el('li', { class: 'muted', text: 'Nothing at the gate yet.' }));
    return;
  }
  $('timeline').replaceChildren(...view.gate.map((step) => {
    const [kind, label, detail] = STEP[step.kind](step);
    return el('li', { 'data-kind': step.kind, 'data-task': step.task },
      el('time', { datetime: step.at, text: clock(step.at) }), el('span', { class: `mark ${kind}`, text: label }),
      el('span', { class: 'task', text: step.task }), el('span', { class: 'detail', title: detail, text: detail }));
  }));
}

function budget(view) {
  const { budget: b } = view;
  const rows = [];
  if (b.runLimitUsd === undefined) rows.push(el('p', { class: 'muted', text: `Spent ${usd(b.spentUsd)}; no run budget (budget.run).` }));
  else rows.push(...limitRow('run', b.spentUsd, b.runLimitUsd, b.runLeftUsd));
  for (const role of b.roles) rows.push(...limitRow(`role ${role.role}`, role.spentUsd, role.limitUsd, role.leftUsd));
  $('budget').replaceChildren(...rows);
}

function limitRow(name, spent, limit, left) {
  const fill = el('span');
  // Width through the CSSOM, not a style attribute: the page's policy allows no inline style.
  fill.style.width = `${Math.min(100, (spent / limit) * 100).toFixed(1)}%`;
  const meter = el('div', { class: `bar${left < limit * 0.1 ? ' low' : ''}` }, fill);
  return [el('div', { text: `${name}: ${usd(spent)} of ${usd(limit)} spent, ${usd(left)} left` }), meter];
}

function oracle(view) {
  const o = view.oracle;
  if (!o) return;
  const culprits = o.culprits.length === 0 ? (o.state === 'unfinished' ? 'searching…' : 'none') : o.culprits.map((set) => set.join(' + ')).join(', ');
  $('oracle').replaceChildren(
    el('div', { text: `${o.oracle}: ${o.state}, main ${o.commit.slice(0, 10)}, ${o.units} units` }),
    el('div', { class: 'muted', text: `${o.probes} probes (${o.cached} from cache), ${o.builds} builds, ${o.rounds} rounds` }),
    el('div', { text: `culprits: ${culprits}` }),
    ...(o.failure ? [el('div', { class: 'mark failed', text: o.failure })] : []));
}

function queue(view) {
  if (view.queue.open.length === 0) {
    $('queue').replaceChildren(el('p', { class: 'muted', text: 'No task waiting.' }));
    return;
  }
  const head = el('tr', {}, ...['task', 'role', 'state', 'attempts', 'queued', 'text'].map((title) => el('th', { text: title })));
  const rows = view.queue.open.map((t) => el('tr', { 'data-task': t.task },
    el('td', { text: t.task }), el('td', { text: t.role }), el('td', { text: t.state }), el('td', { class: 'num', text: `${t.attempts}` }),
    el('td', { text: clock(t.createdAt) }), el('td', { class: 'text', title: t.text, text: t.text })));
  $('queue').replaceChildren(el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function charts(list) {
  $('charts').replaceChildren(...list.map((chart) => {
    const figure = el('figure', { 'data-chart': chart.id }, el('figcaption', { text: chart.caption }));
    const holder = el('div');
    holder.innerHTML = chart.svg; // drawn and escaped by the server (harness/reports/svg-charts.ts)
    figure.append(...holder.childNodes);
    return figure;
  }));
}

async function draw() {
  const [view, chartList] = await Promise.all([json('/api/v1/dashboard'), json('/api/v1/charts')]);
  $('run').textContent = view.run;
  document.title = `gantry ${view.run}`;
  kpis(view);
  agents(view);
  timeline(view);
  budget(view);
  oracle(view);
  queue(view);
  charts(chartList);
}

/** One drawing at a time; a request during one draws once more after it. */
function redraw() {
  if (drawing) {
    again = true;
    return;
  }
  drawing = draw().catch((error) => console.error(error)).finally(() => {
    drawing = null;
    if (again) {
      again = false;
      redraw();
    }
  });
}

async function showLog() {
  if (!chosenTask) return;
  const log = $('log');
  const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  try {
    const response = await fetch(`/api/v1/agents/${encodeURIComponent(chosenTask)}/log`, { credentials: 'same-origin' });
    log.textContent = response.ok ? await response.text() : `(${response.status})`;
  } catch {
    // The server is gone (the run stopped) or restarting: keep the last tail shown.
    return;
  }
  if (atEnd) log.scrollTop = log.scrollHeight;
}

function choose(task) {
  chosenTask = task;
  $('log-task').textContent = task;
  for (const card of document.querySelectorAll('.agent')) card.classList.toggle('selected', card.dataset.task === task);
  void showLog();
}

function follow() {
  const events = new EventSource('/api/v1/events');
  events.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').classList.add('on');
  });
  events.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').classList.remove('on');
  });
  events.addEventListener('journal', redraw);
}

redraw();
follow();
setInterval(redraw, REDRAW_EVERY_MS);
setInterval(() => void showLog(), LOG_EVERY_MS);
