// greenlight dashboard: plain JavaScript, no dependencies, nothing fetched from outside this origin.
// Every piece of data comes from the orchestrator's REST API and its two live streams, read with
// fetch() so the bearer token travels in a header (EventSource cannot send one).
/* global window, document, location, history, sessionStorage, TextDecoder, URLSearchParams */

const TOKEN_KEY = 'greenlight.token';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** First reconnect delay (the server's `retry:` field replaces it); grows per failed attempt. */
const RECONNECT_MS = 2_000;
const MAX_RECONNECT_MS = 15_000;
/** The server sends a comment every 15 s: a stream silent for longer is dead, even if TCP says not. */
const STALL_MS = 40_000;
/** Answers that a retry cannot change: stop following and say why. */
const FINAL_STATUSES = new Set([400, 401, 403, 404]);
const AUDIT_ROWS = 500;
const RENDER_DELAY_MS = 40;
const STATUS_LINES = 4;

const ACTIONS = {
  promote: {
    label: 'Promote',
    hint: 'Skip the remaining canary/ramp steps: green takes 100 % now.',
  },
  pause: {
    label: 'Pause',
    hint: 'Stop the clock (bake or standby window); analysis keeps watching.',
  },
  resume: { label: 'Resume', hint: 'Restart the clock with what was left of it.' },
  abort: {
    label: 'Abort',
    hint: 'End the deployment and stop green; if green carries traffic, blue takes it all back first.',
  },
  rollback: {
    label: 'Roll back',
    hint: 'Send every new request to blue at once (green finishes what it started), then stop green.',
  },
};

const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const METRICS = {
  errorRate: { label: 'Error rate', format: (v) => `${(v * 100).toFixed(2)} %`, floor: 0.01 },
  ttftP95: { label: 'TTFT p95', format: ms, floor: 1 },
  itlP95: { label: 'ITL p95', format: ms, floor: 1 },
  e2eP95: { label: 'E2E p95 per token', format: ms, floor: 1 },
};
const COLORS = { blue: '#1d4ed8', green: '#15803d', grid: '#e5e7eb', axis: '#6b7280' };
const BAD_PHASES = new Set(['RollingBack', 'RolledBack', 'Failed', 'Aborted']);
const TRAFFIC_PHASES = new Set([
  'Canary',
  'Ramping',
  'Promoted',
  'Draining',
  'Standby',
  'Completed',
]);

/** The state machine's verdicts, rendered by the server from libs/contracts. */
const bootstrap = JSON.parse(document.getElementById('greenlight-bootstrap').textContent);
const TERMINAL = new Set(bootstrap.terminal);

const state = {
  token: null,
  /** id → deployment record (the list, kept current by both streams). */
  deployments: new Map(),
  selectedId: null,
  /** The selected deployment's audit log, in the order the stream delivered it. */
  audit: [],
  auditIds: new Set(),
  detailLive: false,
  busy: false,
  stopList: null,
  stopDetail: null,
  renderTimer: null,
};

const $ = (selector) => document.querySelector(selector);

// ---- DOM helpers (text only: reasons and actors are user input, never HTML) ----------------

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}
const el = (tag, attrs = {}, ...children) => build(document.createElement(tag), attrs, children);
const svg = (tag, attrs = {}, ...children) =>
  build(document.createElementNS(SVG_NS, tag), attrs, children);

// ---- formatting ------------------------------------------------------------------------------

function clock(iso) {
  const date = new Date(iso);
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  return date.toDateString() === new Date().toDateString()
    ? time
    : `${date.toLocaleDateString('en-CA')} ${time}`;
}

function span(fromMs, toMs) {
  let s = Math.max(0, Math.round((toMs - fromMs) / 1000));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

const greenVersion = (d) => d.request.release.version;
const blueVersion = (d) => (d.blue ? d.blue.release.version : null);
const versions = (d) =>
  blueVersion(d) ? `${blueVersion(d)} → ${greenVersion(d)}` : `${greenVersion(d)} (first)`;
const nameOf = (d) => `${d.service} ${versions(d)}`;

function phaseKind(phase) {
  if (BAD_PHASES.has(phase)) return 'bad';
  return TRAFFIC_PHASES.has(phase) ? 'traffic' : 'active';
}
const phaseBadge = (phase) => el('span', { class: 'phase', 'data-kind': phaseKind(phase) }, phase);

/** One line per audit event: what a person scanning the log needs. */
function summary(e) {
  const d = e.data ?? {};
  switch (e.type) {
    case 'deployment.phase_changed':
      return `${d.from ?? '∅'} → ${d.to}${d.reason ? `: ${d.reason}` : ''}`;
    case 'deployment.control':
      return `${d.action} ${d.accepted ? 'taken' : 'refused'}${d.reason ? `: ${d.reason}` : ''}`;
    case 'traffic.shifted':
      return `blue ${d.weights?.blue} % / green ${d.weights?.green} % applied (routing v${d.version})`;
    case 'analysis.completed':
      return `step ${d.step + 1}: ${d.verdict} (green ${d.samples?.green} req, blue ${d.samples?.blue} req)${
        d.reasons?.length ? `: ${d.reasons.join('; ')}` : ''
      }`;
    case 'eval.completed':
      return `${d.passed ? 'passed' : 'failed'}: score green ${fmt(d.scores?.green)}${
        d.scores?.blue === null || d.scores?.blue === undefined
          ? ''
          : ` vs blue ${fmt(d.scores.blue)}`
      }${d.reasons?.length ? `: ${d.reasons.join('; ')}` : ''}`;
    case 'pool.provisioned':
    case 'pool.ready':
      return `${d.release}: ${d.endpoints?.length} replica(s) ${e.type === 'pool.ready' ? 'ready' : 'started'}`;
    case 'replica.ready':
      return `${d.release} replica ${d.replica} ready at ${d.url}`;
    case 'pool.failed':
      return `${d.release} failed at ${d.stage}: ${d.reason}`;
    case 'pool.decommissioned':
      return `${d.release} decommissioned`;
    case 'drain.progress':
      return `${d.release}: ${d.inFlight} in flight (${d.streams} streams) after ${span(0, d.elapsedMs)}`;
    case 'drain.completed':
      return `${d.release} drained${d.timedOut ? ` (timed out with ${d.inFlight} in flight)` : ''} in ${span(0, d.elapsedMs)}`;
    case 'cache.plan':
      return `prefix cache: ${d.prefix}; semantic cache: ${d.semantic} (${d.backend})`;
    case 'cache.prewarmed':
      return `${d.prefixes} prefixes, ${d.tokens} tokens replayed on ${d.replicas} replica(s)`;
    case 'command.rejected':
      return `${d.command} refused: ${d.reason}`;
    default:
      return JSON.stringify(d).slice(0, 200);
  }
}

function fmt(value) {
  if (typeof value !== 'number') return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

// ---- messages ----------------------------------------------------------------------------------

/** Status lines, newest last; a few stay so one quickly followed by another is still read. */
function say(text) {
  const log = $('#status');
  log.append(el('p', {}, `${clock(new Date().toISOString())} ${text}`));
  while (log.childElementCount > STATUS_LINES) log.firstElementChild.remove();
}
/** A problem stays in view until the user does something else. */
function warn(text) {
  $('#alert').textContent = text;
}
const clearWarning = () => warn('');

// ---- token -------------------------------------------------------------------------------------

/** `#token=…` is never sent to the server; it is moved to sessionStorage and wiped from the URL. */
function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

function showTokenForm(message) {
  $('#token-form').hidden = false;
  $('#forget-token').hidden = true;
  setConnection('idle', 'not connected');
  if (message) warn(message);
  $('#token-input').focus();
}

function forgetToken(message) {
  state.stopList?.();
  state.stopDetail?.();
  state.stopList = state.stopDetail = null;
  // A new token starts the detail stream afresh.
  state.selectedId = null;
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  // Without a token nothing stays on screen.
  state.deployments = new Map();
  render();
  showTokenForm(message);
}

const authHeaders = (extra = {}) => ({ authorization: `Bearer ${state.token}`, ...extra });

// ---- REST and live streams ---------------------------------------------------------------------

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  return { status: response.status, message: await messageOf(response) };
}

/** The API's error message (`{ message }`), or the body itself. */
async function messageOf(response) {
  const text = await response.text();
  try {
    const json = JSON.parse(text);
    if (Array.isArray(json?.message)) return { json, text: json.message.join('; ') };
    return { json, text: typeof json?.message === 'string' ? json.message : text };
  } catch {
    return { json: null, text: text || `HTTP ${response.status}` };
  }
}

function delay(timeoutMs, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const cancel = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', cancel, { once: true });
  });
}

/** Parses a text/event-stream body; calls `onEvent({ event, data, id })` per message. */
async function readEvents(body, onChunk, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let message = { event: 'message', data: [], id: undefined };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onChunk();
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (message.data.length) onEvent({ ...message, data: message.data.join('\n') });
        message = { event: 'message', data: [], id: undefined };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') message.data.push(value);
      else if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) onEvent({ event: 'retry', data: value });
    }
  }
}

/**
 * Follows one SSE endpoint until the returned stop() is called: reconnects after a drop, a
 * stall or a server restart; gives up (onRefused) only on an answer a retry cannot change.
 */
function follow(path, handlers) {
  const stopped = new AbortController();
  let retryMs = RECONNECT_MS;
  const run = async () => {
    for (let failures = 0; !stopped.signal.aborted; failures++) {
      const attempt = new AbortController();
      const cancel = () => attempt.abort();
      stopped.signal.addEventListener('abort', cancel, { once: true });
      let stall = setTimeout(cancel, STALL_MS);
      try {
        const response = await fetch(path, {
          headers: authHeaders({ accept: 'text/event-stream' }),
          signal: attempt.signal,
          cache: 'no-store',
        });
        if (!response.ok) {
          const { text } = await messageOf(response);
          if (FINAL_STATUSES.has(response.status)) return handlers.onRefused(response.status, text);
          throw new Error(text);
        }
        failures = 0;
        handlers.onOpen();
        await readEvents(
          response.body,
          () => {
            clearTimeout(stall);
            stall = setTimeout(cancel, STALL_MS);
          },
          (message) => {
            if (message.event === 'retry') retryMs = Number(message.data);
            else handlers.onEvent(message);
          },
        );
      } catch {
        // A drop, a stall or a refused connection: all end in a reconnect below.
      } finally {
        clearTimeout(stall);
        stopped.signal.removeEventListener('abort', cancel);
      }
      if (stopped.signal.aborted) return;
      handlers.onDrop();
      await delay(Math.min(retryMs * (failures + 1), MAX_RECONNECT_MS), stopped.signal);
    }
  };
  void run();
  return () => stopped.abort();
}

function setConnection(kind, text) {
  const node = $('#connection');
  node.dataset.state = kind;
  node.textContent = text;
}

function onStreamRefused(status, text) {
  if (status === 401) forgetToken(`Token refused: ${text}`);
  else warn(text);
}

function connect() {
  state.stopList?.();
  $('#token-form').hidden = true;
  $('#forget-token').hidden = false;
  setConnection('connecting', 'connecting…');
  state.stopList = follow('/v1/stream', {
    onOpen: () => setConnection('live', 'live'),
    onDrop: () => setConnection('reconnecting', 'reconnecting…'),
    onRefused: (status, text) => {
      setConnection('refused', 'refused');
      onStreamRefused(status, text);
    },
    onEvent: (message) => {
      if (message.event === 'deployments') {
        const { items } = JSON.parse(message.data);
        const selected = state.deployments.get(state.selectedId);
        state.deployments = new Map(items.map((d) => [d.id, d]));
        if (selected) upsert(selected);
        if (!state.selectedId && items[0] && !wantedId()) select(items[0].id, false);
      } else if (message.event === 'deployment') {
        upsert(JSON.parse(message.data));
      }
      scheduleRender();
    },
  });
  const wanted = wantedId();
  if (wanted) select(wanted, false);
}

const wantedId = () => new URLSearchParams(location.search).get('deployment');

/** Keeps the newest copy of a record (both streams deliver them) and announces phase changes. */
function upsert(record) {
  const previous = state.deployments.get(record.id);
  if (previous && previous.version > record.version) return;
  state.deployments.set(record.id, record);
  if (record.id !== state.selectedId || !previous) return;
  if (previous.phase !== record.phase) {
    say(`${nameOf(record)}: ${previous.phase} → ${record.phase}`);
  } else if (previous.paused !== record.paused) {
    say(`${nameOf(record)}: ${record.paused ? 'paused' : 'resumed'} in ${record.phase}`);
  }
}

function select(id, push) {
  if (state.selectedId === id) return;
  state.stopDetail?.();
  state.selectedId = id;
  state.audit = [];
  state.auditIds = new Set();
  state.detailLive = false;
  if (push) history.pushState(null, '', `?deployment=${encodeURIComponent(id)}`);
  render();
  state.stopDetail = follow(`/v1/deployments/${encodeURIComponent(id)}/stream`, {
    onOpen: () => {},
    onDrop: () => {
      state.detailLive = false;
      scheduleRender();
    },
    onRefused: (status, text) => {
      if (state.selectedId === id)
        onStreamRefused(status, status === 404 ? `Deployment ${id} not found.` : text);
    },
    onEvent: (message) => {
      if (state.selectedId !== id) return;
      if (message.event === 'deployment') {
        upsert(JSON.parse(message.data));
      } else if (message.event === 'audit') {
        const envelope = JSON.parse(message.data);
        // History is sent again on every reconnect: each event is kept once.
        if (state.auditIds.has(envelope.id)) return;
        state.auditIds.add(envelope.id);
        state.audit.push(envelope);
      } else if (message.event === 'live') {
        state.detailLive = true;
      }
      scheduleRender();
    },
  });
}

// ---- operator actions ---------------------------------------------------------------------------

function allowedActions(d) {
  const key = `${d.phase}|${d.blue ? 'blue' : 'no-blue'}|${d.paused ? 'paused' : 'running'}`;
  return new Set(bootstrap.actions[key] ?? []);
}

/** The reason dialog; resolves `{ reason }` on confirm, null on cancel or Escape. */
function askReason(action, d) {
  const dialog = $('#action-dialog');
  const reason = $('#action-reason');
  $('#action-dialog-title').textContent = `${ACTIONS[action].label}: ${nameOf(d)}?`;
  $('#action-dialog-text').textContent = ACTIONS[action].hint;
  reason.value = '';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'confirm' ? { reason: reason.value.trim() } : null),
      { once: true },
    );
    dialog.showModal();
    reason.focus();
  });
}

async function act(action) {
  const d = state.deployments.get(state.selectedId);
  if (!d || state.busy) return;
  clearWarning();
  const answer = await askReason(action, d);
  if (!answer) return;
  const { label } = ACTIONS[action];
  state.busy = true;
  render();
  try {
    const result = await api(
      'POST',
      `/v1/deployments/${encodeURIComponent(d.id)}/${action}`,
      answer.reason ? { reason: answer.reason } : {},
    );
    const { json, text } = result.message;
    if (result.status === 202) {
      const redeploy = json?.redeployment ? `; redeploying as ${json.redeployment.id}` : '';
      say(`${label} accepted: ${nameOf(d)} is ${json?.phase ?? d.phase}${redeploy}`);
    } else if (result.status === 403) {
      warn(`${label} needs operator: ${text}`);
    } else if (result.status === 401) {
      forgetToken(`Token refused: ${text}`);
    } else if (result.status === 409) {
      warn(`${label} refused: ${text}`);
    } else {
      warn(`${label} failed (HTTP ${result.status}): ${text}`);
    }
  } catch (error) {
    warn(`${label} failed: ${error.message}`);
  } finally {
    state.busy = false;
    render();
  }
}

// ---- charts (inline SVG) ------------------------------------------------------------------------

const CHART = { width: 560, height: 150, left: 56, right: 10, top: 10, bottom: 22 };

/**
 * A time chart: `series` of `{ name, color, points: [{ t, v }] }`; `step` draws a value held until
 * the next point (weights), otherwise points are joined (metrics).
 */
function timeChart({ title, series, yMax, yFormat, from, to, step = false, width = CHART.width }) {
  const { height, left, right, top, bottom } = CHART;
  const span0 = Math.max(1, to - from);
  const x = (t) => left + ((t - from) / span0) * (width - left - right);
  const y = (v) => top + (1 - v / yMax) * (height - top - bottom);
  const grid = [0, yMax / 2, yMax].flatMap((v) => [
    svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: COLORS.grid }),
    svg(
      'text',
      { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: COLORS.axis },
      yFormat(v),
    ),
  ]);
  const times = [
    svg(
      'text',
      { x: left, y: height - 6, 'font-size': 11, fill: COLORS.axis },
      clock(new Date(from).toISOString()),
    ),
    svg(
      'text',
      { x: width - right, y: height - 6, 'text-anchor': 'end', 'font-size': 11, fill: COLORS.axis },
      clock(new Date(to).toISOString()),
    ),
  ];
  const lines = series.flatMap(({ name, color, points }) => {
    if (!points.length) return [];
    const path = [];
    points.forEach((p, i) => {
      if (step && i > 0) path.push(`${x(p.t)},${y(points[i - 1].v)}`);
      path.push(`${x(p.t)},${y(p.v)}`);
    });
    if (step) path.push(`${x(to)},${y(points[points.length - 1].v)}`);
    return [
      svg('polyline', { points: path.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }),
      ...points.map((p) =>
        svg(
          'circle',
          { cx: x(p.t), cy: y(p.v), r: 2.5, fill: color, 'data-series': name },
          svg('title', {}, `${name} ${yFormat(p.v)} at ${clock(new Date(p.t).toISOString())}`),
        ),
      ),
    ];
  });
  const latest = series
    .filter((s) => s.points.length)
    .map((s) => `${s.name} ${yFormat(s.points[s.points.length - 1].v)}`)
    .join(', ');
  return el(
    'figure',
    { class: 'chart' },
    el('figcaption', {}, title),
    svg(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-label': `${title}: latest ${latest || 'no data'}`,
      },
      grid,
      times,
      lines,
    ),
    el(
      'p',
      { class: 'legend' },
      series.flatMap((s) => [
        el('span', { class: `legend-${s.name}` }, `■ ${s.name}`),
        ` ${s.points.length ? yFormat(s.points[s.points.length - 1].v) : '—'}  `,
      ]),
    ),
  );
}

const eventsOf = (type) => state.audit.filter((e) => e.type === type);
const endOf = (d) => (TERMINAL.has(d.phase) ? Date.parse(d.updatedAt) : Date.now());

// ---- rendering ------------------------------------------------------------------------------------

function scheduleRender() {
  state.renderTimer ??= setTimeout(() => {
    state.renderTimer = null;
    render();
  }, RENDER_DELAY_MS);
}

function render() {
  renderList();
  renderDetail();
}

function renderList() {
  const rows = [...state.deployments.values()].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  );
  const focused = document.activeElement?.closest?.('#deployments tr')?.dataset.id;
  $('#deployments tbody').replaceChildren(
    ...rows.map((d) =>
      el(
        'tr',
        { 'data-id': d.id, class: d.id === state.selectedId ? 'selected' : undefined },
        el(
          'td',
          {},
          el(
            'a',
            {
              href: `?deployment=${encodeURIComponent(d.id)}`,
              'aria-current': d.id === state.selectedId ? 'true' : undefined,
              'aria-label': nameOf(d),
              onclick: (event) => {
                event.preventDefault();
                select(d.id, true);
              },
            },
            d.service,
          ),
        ),
        el('td', {}, versions(d)),
        el('td', { class: 'phase-cell' }, phaseBadge(d.phase), d.paused ? ' paused' : ''),
        el('td', { title: d.createdAt }, clock(d.createdAt)),
        el('td', { 'data-since': d.createdAt }, ''),
      ),
    ),
  );
  if (focused) $(`#deployments tr[data-id="${focused}"] a`)?.focus();
  $('#list-empty').hidden = rows.length > 0;
  tick();
}

function renderDetail() {
  const d = state.deployments.get(state.selectedId);
  $('#detail').hidden = !d;
  $('#detail-empty').hidden = Boolean(d);
  if (!d) return;
  $('#detail-title').textContent = nameOf(d);
  $('#detail-phase').replaceChildren(d.phase);
  $('#detail-phase').dataset.kind = phaseKind(d.phase);
  $('#detail-paused').hidden = !d.paused;
  $('#detail-live').textContent = state.detailLive ? '● live' : '○ connecting…';
  $('#detail-reason').hidden = !d.reason;
  $('#detail-reason').textContent = d.reason ?? '';
  renderFacts(d);
  renderActions(d);
  renderTimeline(d);
  renderTraffic(d);
  renderAnalysis(d);
  renderEval();
  renderCache(d);
  renderAudit();
  tick();
}

function renderFacts(d) {
  const steps = d.request.strategy.steps;
  const step =
    d.stepIndex === null
      ? '—'
      : `${d.stepIndex + 1} of ${steps.length} (${steps[d.stepIndex]?.weight ?? '?'} %)`;
  const facts = [
    ['Deployment', d.id],
    ['Started', `${clock(d.createdAt)} by ${d.actor}`],
    [
      'Model',
      `${d.request.release.model.id}${d.request.release.model.revision ? `@${d.request.release.model.revision}` : ''}`,
    ],
    ['Pool', `${d.request.pool.driver}, ${d.green?.endpoints.length ?? 0} green replica(s)`],
    ['Step', step],
    [
      'Blue',
      d.blue
        ? `${d.blue.release.version}, ${d.blue.endpoints.length} replica(s)`
        : 'none (first deployment)',
    ],
  ];
  $('#detail-facts').replaceChildren(
    ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
  );
}

function renderActions(d) {
  const allowed = allowedActions(d);
  for (const button of document.querySelectorAll('.actions button')) {
    const action = button.dataset.action;
    const enabled = allowed.has(action) && !state.busy;
    button.disabled = !enabled;
    button.title = allowed.has(action)
      ? ACTIONS[action].hint
      : `Not available in ${d.phase}${d.paused ? ' (paused)' : ''}${
          action === 'rollback' && !d.blue ? ': no previous release' : ''
        }`;
  }
}

function renderTimeline(d) {
  const changes = eventsOf('deployment.phase_changed').sort((a, b) => a.seq - b.seq);
  const end = endOf(d);
  const rows = changes.map((e, i) => {
    const next = changes[i + 1];
    const start = Date.parse(e.at);
    const stop = next ? Date.parse(next.at) : end;
    const current = !next && !TERMINAL.has(e.data.to);
    return { phase: e.data.to, start, stop, current, ended: !next && TERMINAL.has(e.data.to), e };
  });
  $('#timeline tbody').replaceChildren(
    ...rows.map((r) =>
      el(
        'tr',
        { 'data-phase': r.phase },
        el('td', {}, phaseBadge(r.phase)),
        el('td', {}, clock(r.e.at)),
        r.ended
          ? el('td', {}, 'ended')
          : el('td', r.current ? { 'data-since': r.e.at } : {}, span(r.start, r.stop)),
        el('td', {}, r.e.data.actor ?? r.e.actor),
        el('td', {}, r.e.data.reason ?? ''),
      ),
    ),
  );
  // One bar, each phase as wide as it lasted (ended phases get a sliver so they show).
  const spans = rows.filter((r) => !r.ended);
  const total = spans.reduce((sum, r) => sum + Math.max(1, r.stop - r.start), 0);
  let offset = 0;
  const width = 1000;
  $('#timeline-bar').replaceChildren(
    spans.length
      ? svg(
          'svg',
          {
            viewBox: `0 0 ${width} 14`,
            role: 'img',
            'aria-label': `phases: ${rows.map((r) => r.phase).join(' → ')}`,
          },
          spans.map((r) => {
            const w = (Math.max(1, r.stop - r.start) / total) * width;
            const fill = { bad: '#fca5a5', traffic: '#86efac', active: '#93c5fd' }[
              phaseKind(r.phase)
            ];
            const rect = svg(
              'rect',
              { x: offset, y: 0, width: Math.max(2, w - 1), height: 14, fill },
              svg('title', {}, `${r.phase}: ${span(r.start, r.stop)}`),
            );
            offset += w;
            return rect;
          }),
        )
      : '',
  );
}

function renderTraffic(d) {
  $('#weights-now').replaceChildren(
    el('span', {}, 'Now: '),
    el('span', { class: 'legend-blue' }, `blue ${d.weights.blue} %`),
    el('span', { class: 'legend-green' }, `green ${d.weights.green} %`),
    d.routingVersion ? el('span', { class: 'muted' }, `routing v${d.routingVersion}`) : '',
  );
  const shifts = eventsOf('traffic.shifted')
    .map((e) => ({ t: Date.parse(e.data.appliedAt ?? e.at), weights: e.data.weights }))
    .sort((a, b) => a.t - b.t);
  const from = Date.parse(d.createdAt);
  const to = Math.max(endOf(d), from + 1000);
  // Before green's first confirmed share, blue served everything (or nobody, on a first deploy).
  const start = { t: from, weights: { blue: d.blue ? 100 : 0, green: 0 } };
  const points = [start, ...shifts];
  $('#weights-chart').replaceChildren(
    timeChart({
      title: 'Weights over time (confirmed by the data plane)',
      series: [
        {
          name: 'blue',
          color: COLORS.blue,
          points: points.map((p) => ({ t: p.t, v: p.weights.blue })),
        },
        {
          name: 'green',
          color: COLORS.green,
          points: points.map((p) => ({ t: p.t, v: p.weights.green })),
        },
      ],
      yMax: 100,
      yFormat: (v) => `${Math.round(v)} %`,
      from,
      to,
      step: true,
      width: 900,
    }),
  );
}

function renderAnalysis(d) {
  const runs = eventsOf('analysis.completed').sort((a, b) => a.at.localeCompare(b.at));
  const latest = runs[runs.length - 1];
  $('#analysis-verdict').replaceChildren(
    latest
      ? el(
          'span',
          {},
          `Step ${latest.data.step + 1}: `,
          el(
            'span',
            {
              class:
                latest.data.verdict === 'fail' ? 'bad' : latest.data.verdict === 'pass' ? 'ok' : '',
            },
            latest.data.verdict,
          ),
          ` — green ${latest.data.samples.green} req, blue ${latest.data.samples.blue} req over ${span(0, latest.data.elapsedMs)}`,
          latest.data.reasons.length ? `: ${latest.data.reasons.join('; ')}` : '',
          d.analysis?.extensions ? ` (bake extended ${d.analysis.extensions}×)` : '',
        )
      : 'No analysis yet: it runs while green takes a canary or ramp share.',
  );
  if (!runs.length) return $('#analysis-charts').replaceChildren();
  const keys = [...new Set(runs.flatMap((e) => Object.keys(e.data.metrics)))].sort(
    (a, b) =>
      (Object.keys(METRICS).indexOf(a) + 1 || 99) - (Object.keys(METRICS).indexOf(b) + 1 || 99),
  );
  const from = Date.parse(runs[0].at);
  const to = Math.max(Date.parse(latest.at), from + 1000);
  $('#analysis-charts').replaceChildren(
    ...keys.map((key) => {
      const meta = METRICS[key] ?? { label: key, format: fmt, floor: 1 };
      const series = ['green', 'blue'].map((pool) => ({
        name: pool,
        color: COLORS[pool],
        points: runs
          .filter((e) => typeof e.data.metrics[key]?.[pool] === 'number')
          .map((e) => ({ t: Date.parse(e.at), v: e.data.metrics[key][pool] })),
      }));
      const top = Math.max(meta.floor, ...series.flatMap((s) => s.points.map((p) => p.v)));
      return timeChart({
        title: meta.label,
        series,
        yMax: top * 1.15,
        yFormat: meta.format,
        from,
        to,
        width: 420,
      });
    }),
  );
}

function renderEval() {
  const latest = eventsOf('eval.completed').at(-1);
  const box = $('#eval');
  if (!latest) return box.replaceChildren(el('p', { class: 'muted' }, 'No eval result yet.'));
  const d = latest.data;
  const report = d.report;
  box.replaceChildren(
    el(
      'p',
      {},
      el('span', { class: d.passed ? 'ok' : 'bad' }, d.passed ? 'Passed' : 'Failed'),
      ` — score green ${fmt(d.scores.green)}`,
      d.scores.blue === null ? '' : ` vs blue ${fmt(d.scores.blue)}`,
      d.pValue === null ? '' : `, p = ${fmt(d.pValue)}`,
    ),
    d.reasons.length
      ? el(
          'ul',
          {},
          d.reasons.map((r) => el('li', {}, r)),
        )
      : '',
    report
      ? el(
          'div',
          {},
          el(
            'p',
            { class: 'muted' },
            `${report.suite ?? 'smoke tests'} · ${report.cases.length} cases · ${report.test} · ${report.seconds.toFixed(1)} s · green worse on ${report.discordant.greenWorse}, better on ${report.discordant.greenBetter}`,
          ),
          el(
            'div',
            { class: 'scroll' },
            el(
              'table',
              { class: 'table compact' },
              el(
                'thead',
                {},
                el(
                  'tr',
                  {},
                  ['Case', 'Kind', 'Green', 'Blue', 'Detail'].map((h) =>
                    el('th', { scope: 'col' }, h),
                  ),
                ),
              ),
              el(
                'tbody',
                {},
                report.cases.map((c) =>
                  el(
                    'tr',
                    {},
                    el('td', {}, c.id),
                    el('td', {}, c.kind),
                    el(
                      'td',
                      { class: c.green.passed ? 'ok' : 'bad' },
                      `${c.green.passed ? '✓' : '✗'} ${ms(c.green.latencyMs)}`,
                    ),
                    el(
                      'td',
                      { class: c.blue ? (c.blue.passed ? 'ok' : 'bad') : '' },
                      c.blue ? `${c.blue.passed ? '✓' : '✗'} ${ms(c.blue.latencyMs)}` : '—',
                    ),
                    el('td', {}, c.green.detail ?? c.blue?.detail ?? ''),
                  ),
                ),
              ),
            ),
          ),
        )
      : '',
  );
}

function renderCache(d) {
  const plan = d.cachePlan ?? eventsOf('cache.plan').at(-1)?.data;
  const warmed = eventsOf('cache.prewarmed').at(-1)?.data;
  const box = $('#cache');
  if (!plan)
    return box.replaceChildren(
      el('p', { class: 'muted' }, 'No cache plan yet (made in WarmingUp).'),
    );
  const facts = [
    ['Prefix cache', plan.prefix === 'prewarm' ? 'pre-warm green' : 'skip'],
    ['Semantic cache', `${plan.semantic} (${plan.backend})`],
    ['Generations', `${plan.generations.blue ?? '—'} → ${plan.generations.green}`],
  ];
  if (warmed) {
    facts.push([
      'Pre-warmed',
      `${warmed.prefixes} prefixes, ${warmed.tokens} tokens on ${warmed.replicas} replica(s) in ${warmed.seconds.toFixed(1)} s; ${warmed.cachedTokens} tokens then served from cache`,
    ]);
  }
  box.replaceChildren(
    el(
      'dl',
      { class: 'facts narrow' },
      facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
    ),
    plan.reasons.length
      ? el(
          'ul',
          {},
          plan.reasons.map((r) => el('li', {}, r)),
        )
      : '',
  );
}

function renderAudit() {
  const rows = state.audit.slice(-AUDIT_ROWS).reverse();
  $('#audit tbody').replaceChildren(
    ...rows.map((e) =>
      el(
        'tr',
        { 'data-type': e.type, 'data-id': e.id },
        el('td', {}, e.seq),
        el('td', { title: e.at }, clock(e.at)),
        el('td', {}, e.type),
        el('td', {}, e.actor),
        el('td', {}, summary(e)),
      ),
    ),
  );
}

/** Ages and running durations move on every second without a re-render. */
function tick() {
  const now = Date.now();
  for (const node of document.querySelectorAll('[data-since]')) {
    node.textContent = span(Date.parse(node.dataset.since), now);
  }
}

// ---- start ------------------------------------------------------------------------------------------

function start() {
  takeTokenFromFragment();
  state.token = sessionStorage.getItem(TOKEN_KEY);
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('#token-input').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    state.token = token;
    $('#token-input').value = '';
    clearWarning();
    say('Token saved for this tab.');
    connect();
  });
  $('#forget-token').addEventListener('click', () => forgetToken('Token forgotten.'));
  for (const button of document.querySelectorAll('.actions button')) {
    button.addEventListener('click', () => void act(button.dataset.action));
  }
  window.addEventListener('popstate', () => {
    const id = wantedId();
    if (id) select(id, false);
  });
  setInterval(tick, 1_000);
  if (state.token) connect();
  else showTokenForm('Enter a viewer or operator token to see deployments.');
}

start();
