/* Customer Twin dashboard: each page asks the GraphQL API for what it shows and draws it with ECharts (SVG).
   Text from the twin is always inserted as text nodes, never as HTML. One query per panel, so one failing
   panel says why in place and the others still render. With API keys, the sign-in keeps the key in this tab's
   sessionStorage and sends it as a bearer header; it never goes into a cookie, a URL or the page. */
(function () {
  'use strict';

  const STAGES = ['awareness', 'consideration', 'purchase', 'retention', 'advocacy'];
  const COLOURS = { negative: '#dc2626', met: '#2563eb', exceeded: '#16a34a', none: '#94a3b8', friction: '#d97706' };
  const charts = [];
  const KEY_ITEM = 'dtc.apiKey'; // GraphiQL at /graphql reads the same item
  let viewer = null; // { role, personalData, open } once the API said who we are

  // ---- small helpers ---------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const $ = (selector) => document.querySelector(selector);
  const pct = (x) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
  const num = (x, digits = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(digits));
  const day = (iso) => (iso ? new Date(iso).toISOString().slice(0, 10) : '–');
  const label = (item) => (item && (item.name || item.code)) || '–';
  // ECharts tooltips render HTML: everything from the twin goes through esc() there
  const esc = (text) => echarts.format.encodeHTML(String(text));

  function status(message) {
    const node = $('#status');
    if (node) node.textContent = message;
  }

  function fail(target, error) {
    const node = typeof target === 'string' ? $(target) : target;
    if (node) node.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Could not load this part: ${error.message}`));
  }

  class NeedsKey extends Error {}

  function apiKey() {
    try {
      return window.sessionStorage.getItem(KEY_ITEM);
    } catch (_) {
      return null;
    }
  }

  async function gql(query, variables) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    const key = apiKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const response = await fetch('/graphql', {
      method: 'POST',
      headers,
      credentials: 'omit',
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    if (response.status === 401) throw new NeedsKey(key ? 'the API key is not known' : 'this API needs a key');
    let body;
    try {
      body = await response.json();
    } catch (_) {
      throw new Error(`the API answered ${response.status} ${response.statusText}`);
    }
    if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    if (!response.ok) throw new Error(`the API answered ${response.status}`);
    return body.data;
  }

  function chart(target) {
    const node = typeof target === 'string' ? $(target) : target;
    const drawn = echarts.getInstanceByDom(node);
    if (drawn) { // drawn again (a live update): start from an empty chart
      drawn.clear();
      return drawn;
    }
    const instance = echarts.init(node, null, { renderer: 'svg' });
    charts.push(instance);
    return instance;
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  // ---- who is asking: sign-in, sign-out ---------------------------------------------------------------------------
  async function whoIsAsking(main) {
    try {
      viewer = (await gql('{ viewer { role personalData open } }')).viewer;
    } catch (error) {
      if (!(error instanceof NeedsKey)) throw error;
      const rejected = Boolean(apiKey());
      if (rejected) window.sessionStorage.removeItem(KEY_ITEM);
      signIn(main, rejected ? 'That key is not known: check it, or ask an admin for one.' : null);
      return false;
    }
    $('#account-role').textContent = viewer.open ? 'open development mode' : `signed in as ${viewer.role}`;
    $('#sign-out').hidden = viewer.open || !apiKey();
    return true;
  }

  function signIn(main, problem) {
    main.hidden = true;
    $('#sign-in').hidden = false;
    const error = $('#sign-in-error');
    error.hidden = !problem;
    error.textContent = problem || '';
    $('#sign-in-key').focus();
  }

  function wireAccount() {
    $('#sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('#sign-in-key');
      const key = input.value.trim();
      input.value = '';
      if (!key) return;
      window.sessionStorage.setItem(KEY_ITEM, key);
      window.location.reload();
    });
    $('#sign-out').addEventListener('click', () => {
      window.sessionStorage.removeItem(KEY_ITEM);
      window.location.reload();
    });
  }

  function notFound(kind, key) {
    document.title = 'Not found · Customer Twin';
    const main = $('main');
    main.dataset.missing = kind;
    main.replaceChildren(el('section', { class: 'panel not-found', id: 'not-found', 'aria-labelledby': 'not-found-title' },
      el('h1', { id: 'not-found-title' }, 'Not found'),
      el('p', { class: 'lead' }, `The twin holds no ${kind} “`, el('span', { id: 'not-found-key' }, key), '”.'),
      el('p', {}, kind === 'persona'
        ? ['The ', el('a', { href: '/' }, 'personas page'), ' lists every persona.']
        : ['The ', el('a', { href: '/customers' }, 'customers page'),
          ' lists every customer, or open one by id in the box above.'])));
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

  // ---- home: personas at a glance --------------------------------------------------------------------------------
  async function home() {
    const cards = $('#persona-cards');
    let personas;
    try {
      personas = (await gql('{ personas { code name description customers } }')).personas;
    } catch (error) {
      fail(cards, error);
      return;
    }
    personas.sort((a, b) => b.customers - a.customers);
    chart('#persona-chart').setOption({
      grid: { left: 140, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: 'customers' },
      yAxis: { type: 'category', inverse: true, data: personas.map(label) },
      tooltip: { trigger: 'axis' },
      series: [{ type: 'bar', data: personas.map((p) => p.customers), itemStyle: { color: COLOURS.met },
        label: { show: true, position: 'right' } }],
    });
    cards.replaceChildren(...personas.map((p) => el('li', { 'data-persona': p.code },
      el('a', { class: 'title', href: `/personas/${encodeURIComponent(p.code)}` }, label(p)),
      el('p', {}, p.description || ''),
      el('p', { class: 'muted' }, `${p.customers} customers now`),
      el('p', { class: 'top-friction muted' }, 'Top friction: …'))));
    if (!personas.length) {
      cards.replaceChildren(el('li', {}, 'No personas yet: load a catalog and some customers (dtc demo does both).'));
      return;
    }
    // one request for every persona's top friction, through aliases
    const vars = personas.map((_, i) => `$p${i}: String!`).join(', ');
    const fields = personas.map((_, i) => `p${i}: frictionToCompetitors(persona: $p${i}, limit: 1) `
      + '{ friction { code name } switched lift competitors { competitor { code name } count } }').join(' ');
    const variables = Object.fromEntries(personas.map((p, i) => [`p${i}`, p.code]));
    try {
      const data = await gql(`query Top(${vars}) { ${fields} }`, variables);
      personas.forEach((p, i) => {
        const row = (data[`p${i}`] || [])[0];
        const slot = cards.querySelector(`li[data-persona="${CSS.escape(p.code)}"] .top-friction`);
        if (!slot) return;
        slot.replaceChildren(row
          ? el('span', {}, 'Top friction: ', el('span', { class: 'badge friction' }, label(row.friction)),
            ` → ${row.switched} switched`, row.competitors[0] ? ` (mostly to ${label(row.competitors[0].competitor)})` : '',
            row.lift ? `, lift ${num(row.lift)}` : '')
          : 'No friction recorded for this persona yet.');
      });
    } catch (error) {
      status(`Top frictions unavailable: ${error.message}`);
    }
  }

  // ---- persona page ----------------------------------------------------------------------------------------------
  async function personaPage(main) {
    const code = main.dataset.persona;
    if (await personaCard(code) === null) {
      notFound('persona', code);
      return;
    }
    await Promise.all([journeyMap(code), frictions(code)]);
  }

  async function personaCard(code) {
    try {
      const { persona } = await gql(`query P($code: String!) { persona(code: $code) {
        code name description customers goals pains insights { quadrant text } } }`, { code });
      if (!persona) return null;
      $('#persona-name').textContent = label(persona);
      document.title = `${label(persona)} · Customer Twin`;
      $('#persona-description').textContent = persona.description || '';
      $('#persona-count').textContent = `${persona.customers} customers show this persona now`;
      $('#persona-goals').replaceChildren(...(persona.goals || []).map((g) => el('li', {}, g)));
      $('#persona-pains').replaceChildren(...(persona.pains || []).map((g) => el('li', {}, g)));
      for (const list of document.querySelectorAll('#empathy ul[data-quadrant]')) {
        const items = (persona.insights || []).filter((i) => i.quadrant === list.dataset.quadrant);
        list.replaceChildren(...(items.length ? items.map((i) => el('li', {}, i.text)) : [el('li', { class: 'muted' }, 'not recorded')]));
      }
      return persona;
    } catch (error) {
      fail('#persona-description', error);
      return undefined;
    }
  }

  async function journeyMap(code) {
    let stages;
    try {
      const data = await gql(`query J($code: String!) { journeyMap(persona: $code) { stages { stage touchpoints {
        touchpoint { code name channel { code name } } interactions customers avgCsat negativeShare dropOff
        topFrictions { friction { code name } count } } } } }`, { code });
      stages = data.journeyMap.stages;
    } catch (error) {
      fail('#journey-map', error);
      return;
    }
    const byStage = Object.fromEntries(stages.map((s) => [s.stage, s.touchpoints]));
    const csat = [];
    const negative = [];
    const markers = [];
    STAGES.forEach((stage, i) => {
      const tps = byStage[stage] || [];
      const scored = tps.filter((t) => t.avgCsat !== null && t.avgCsat !== undefined);
      const weight = scored.reduce((s, t) => s + t.interactions, 0);
      csat.push(weight ? +(scored.reduce((s, t) => s + t.avgCsat * t.interactions, 0) / weight).toFixed(2) : null);
      const all = tps.reduce((s, t) => s + t.interactions, 0);
      negative.push(all ? +(tps.reduce((s, t) => s + t.negativeShare * t.interactions, 0) / all).toFixed(3) : 0);
      const frictionCounts = {};
      tps.forEach((t) => t.topFrictions.forEach((f) => {
        frictionCounts[label(f.friction)] = (frictionCounts[label(f.friction)] || 0) + f.count;
      }));
      const top = Object.entries(frictionCounts).sort((a, b) => b[1] - a[1])[0];
      if (top) markers.push({ coord: [i, csat[i] === null ? 1 : csat[i]], value: top[0], count: top[1] });
    });
    chart('#emotion-chart').setOption({
      grid: { left: 50, right: 60, top: 40, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { data: ['average CSAT', 'negative share'], top: 0 },
      xAxis: { type: 'category', data: STAGES },
      yAxis: [{ type: 'value', name: 'CSAT', min: 1, max: 5 },
        { type: 'value', name: 'negative', min: 0, max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } }],
      series: [
        { name: 'negative share', type: 'bar', yAxisIndex: 1, data: negative, itemStyle: { color: '#fecaca' }, barWidth: '35%' },
        { name: 'average CSAT', type: 'line', smooth: true, data: csat, symbolSize: 9, lineStyle: { width: 3 },
          itemStyle: { color: COLOURS.met },
          markPoint: { symbol: 'pin', symbolSize: 44, itemStyle: { color: COLOURS.friction },
            label: { formatter: '!', fontWeight: 'bold' },
            data: markers.map((m) => ({ coord: m.coord, name: `${m.value} (${m.count})`, value: m.value })),
            tooltip: { formatter: (p) => `Friction: ${esc(p.name)}` } } },
      ],
    });
    const grid = $('#journey-map');
    grid.replaceChildren(...STAGES.map((stage) => el('div', { class: 'stage' }, el('h3', {}, stage),
      ...(byStage[stage] || []).slice().sort((a, b) => b.interactions - a.interactions).map((t) => el('div', {
        class: `tp ${t.avgCsat === null ? '' : t.avgCsat < 3 ? 'low' : t.avgCsat >= 4 ? 'high' : ''}`,
        'data-touchpoint': t.touchpoint.code,
      }, el('strong', {}, label(t.touchpoint)),
      `${label(t.touchpoint.channel)} · ${t.interactions} interactions · CSAT ${num(t.avgCsat)} · ${pct(t.negativeShare)} negative`,
      t.dropOff !== null && t.dropOff !== undefined ? ` · drop-off ${pct(t.dropOff)}` : '',
      ...t.topFrictions.slice(0, 2).map((f) => [' ', el('span', { class: 'badge friction', title: 'friction' },
        `⚠ ${label(f.friction)} ×${f.count}`)]))))));
  }

  async function frictions(code) {
    const tbody = $('#friction-table tbody');
    let rows;
    try {
      rows = (await gql(`query F($code: String!) { frictionToCompetitors(persona: $code, limit: 10) {
        friction { code name owner { code name } touchpoint { code name } } exposed switched rate baselineRate lift
        ciLow ciHigh competitors { competitor { code name } count } } }`, { code })).frictionToCompetitors;
    } catch (error) {
      fail(tbody.parentElement.parentElement.querySelector('#friction-chart'), error);
      tbody.replaceChildren();
      return;
    }
    if (!rows.length) {
      tbody.replaceChildren(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'No friction hit by this persona yet.')));
      return;
    }
    const select = (friction) => showAffected(code, rows.find((r) => r.friction.code === friction));
    tbody.replaceChildren(...rows.map((r) => el('tr', { 'data-friction': r.friction.code },
      el('th', { scope: 'row' }, el('button', { class: 'link friction-button', type: 'button', 'aria-pressed': 'false',
        'aria-controls': 'affected-panel', onclick: () => select(r.friction.code) }, label(r.friction))),
      el('td', { class: 'num' }, r.exposed), el('td', { class: 'num' }, r.switched),
      el('td', { class: 'num' }, `${pct(r.rate)} (${pct(r.ciLow)}–${pct(r.ciHigh)})`),
      el('td', { class: 'num' }, r.lift === null ? '–' : `×${num(r.lift)}`),
      el('td', {}, r.competitors.slice(0, 3).map((c) => `${label(c.competitor)} ${c.count}`).join(', ')))));

    const names = rows.map((r) => label(r.friction));
    const bars = chart('#friction-chart');
    bars.setOption({
      grid: { left: 190, right: 70, top: 20, bottom: 40 },
      tooltip: { trigger: 'item', formatter: (p) => {
        const r = rows[p.dataIndex];
        return `${esc(label(r.friction))}<br>${r.switched} of ${r.exposed} switched (${pct(r.rate)}, 95% CI ${pct(r.ciLow)}–${pct(r.ciHigh)})`
          + `<br>baseline ${pct(r.baselineRate)}, lift ${r.lift === null ? '–' : num(r.lift)}`;
      } },
      xAxis: { type: 'value', name: 'switch rate', max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
      yAxis: [{ type: 'category', inverse: true, data: names },
        { type: 'category', inverse: true, position: 'right', axisLine: { show: false }, axisTick: { show: false },
          data: rows.map((r) => (r.lift === null ? '' : `lift ×${num(r.lift)}`)),
          axisLabel: { fontWeight: 'bold', color: '#0f172a' } }],
      series: [
        { type: 'bar', data: rows.map((r, i) => ({ value: r.rate, itemStyle: { color: i === 0 ? COLOURS.negative : '#fca5a5' } })) },
        { type: 'custom', name: '95% CI', data: rows.map((r, i) => [i, r.ciLow, r.ciHigh]), z: 5,
          renderItem: (params, api) => {
            const low = api.coord([api.value(1), api.value(0)]);
            const high = api.coord([api.value(2), api.value(0)]);
            const h = api.size([0, 1])[1] * 0.25;
            const style = { stroke: '#0f172a', lineWidth: 1.5 };
            return { type: 'group', children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: 'line', shape: { x1: low[0], y1: low[1] - h, x2: low[0], y2: low[1] + h }, style },
              { type: 'line', shape: { x1: high[0], y1: high[1] - h, x2: high[0], y2: high[1] + h }, style },
            ] };
          } },
      ],
    });
    bars.on('click', (p) => select(rows[p.dataIndex].friction.code));

    const links = [];
    const nodes = new Map();
    rows.slice(0, 6).forEach((r) => {
      const source = `⚠ ${label(r.friction)}`;
      r.competitors.forEach((c) => {
        const target = label(c.competitor);
        nodes.set(source, { name: source, itemStyle: { color: COLOURS.friction } });
        nodes.set(target, { name: target, itemStyle: { color: '#7c3aed' } });
        links.push({ source, target, value: c.count });
      });
    });
    const sankey = chart('#friction-sankey');
    sankey.setOption({
      tooltip: { trigger: 'item' },
      series: [{ type: 'sankey', data: [...nodes.values()], links, left: 10, right: 110, top: 10, bottom: 10,
        nodeGap: 10, emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', opacity: 0.4 },
        label: { fontSize: 12 } }],
    });
    select(rows[0].friction.code);
  }

  async function showAffected(persona, row) {
    if (!row) return;
    for (const tr of document.querySelectorAll('#friction-table tbody tr')) {
      const chosen = tr.dataset.friction === row.friction.code;
      tr.classList.toggle('selected', chosen);
      const button = tr.querySelector('button');
      if (button) button.setAttribute('aria-pressed', String(chosen));
    }
    const list = $('#affected-list');
    const hint = $('#affected-hint');
    hint.textContent = `Loading customers who hit “${label(row.friction)}”…`;
    try {
      const { affectedCustomers } = await gql(`query A($persona: String!, $friction: String!) {
        affectedCustomers(persona: $persona, friction: $friction, windowDays: 90, limit: 60) {
          customerId firstHit competitor { code name } switchedAt } }`, { persona, friction: row.friction.code });
      hint.textContent = `${row.exposed} customers hit “${label(row.friction)}” while showing this persona; `
        + `${row.switched} switched within 90 days. ${affectedCustomers.length < row.exposed ? `First ${affectedCustomers.length}, switchers first.` : ''}`;
      list.replaceChildren(...affectedCustomers.map((a) => el('li', { 'data-customer': a.customerId },
        el('a', { href: `/customers/${encodeURIComponent(a.customerId)}` }, a.customerId),
        ` hit ${day(a.firstHit)}`,
        a.competitor ? [' → ', el('strong', {}, label(a.competitor)), ` ${day(a.switchedAt)}`] : '')));
    } catch (error) {
      hint.textContent = '';
      fail(list, error);
    }
  }

  // ---- customer twin page ----------------------------------------------------------------------------------------
  async function customerPage(main) {
    const id = main.dataset.customer;
    const customer = await customerTwin(id);
    if (customer === null) {
      notFound('customer', id);
      return;
    }
    await Promise.all([nextSteps(id, customer), nextActions(id), personalData(id)]);
    followLive(id);
  }

  // A new interaction of this customer redraws the twin as soon as the worker has applied it (a subscription).
  function followLive(id) {
    const note = $('#live-status');
    const seen = [];
    note.textContent = 'Live: new interactions appear here as they are recorded.';
    subscribe('subscription L($id: ID!) { interactionRecorded(customerId: $id) { id at type touchpoint { code name } } }',
      { id }, async (data) => {
        const recorded = data.interactionRecorded;
        seen.push(recorded);
        note.replaceChildren(`Live: ${plural(seen.length, 'new interaction')} since this page opened, the latest `,
          el('strong', { id: 'live-latest' }, recorded.id), ` (${recorded.type} at ${label(recorded.touchpoint)}, `
          + `${new Date(recorded.at).toISOString().replace('T', ' ').slice(0, 16)}).`);
        await customerTwin(id);
      }, (reason) => { note.textContent = `Live updates stopped: ${reason}. Reload the page to follow again.`; });
  }

  // One GraphQL subscription over graphql-transport-ws, with the signed-in key in connection_init (a browser cannot
  // set headers on a WebSocket).
  function subscribe(query, variables, onData, onEnd) {
    const socket = new WebSocket(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`,
      'graphql-transport-ws');
    const key = apiKey();
    socket.addEventListener('open', () => socket.send(JSON.stringify(
      { type: 'connection_init', payload: key ? { Authorization: `Bearer ${key}` } : {} })));
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: 'live', type: 'subscribe', payload: { query, variables } }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next' && message.payload.data) {
        onData(message.payload.data);
      } else if (message.type === 'error' || (message.type === 'next' && message.payload.errors)) {
        const errors = message.type === 'error' ? message.payload : message.payload.errors;
        onEnd(errors.map((e) => e.message).join('; '));
      }
    });
    socket.addEventListener('close', (event) => {
      if (event.code !== 1000 && event.code !== 1001) onEnd(event.reason || `the connection closed (${event.code})`);
    });
    return socket;
  }

  async function customerTwin(id) {
    let customer;
    try {
      customer = (await gql(`query C($id: ID!) { customer(id: $id) { id relationshipStage
        personaHistory { persona { code name } weight since until source }
        switchedTo { competitor { code name } at }
        journeys(first: 40) { totalCount edges { node { id startedAt endedAt interactions {
          id at type outcome experience csat touchpoint { code name stage } channel { code name } frictions { code name } } } } } } }`,
      { id })).customer;
    } catch (error) {
      fail('#journey-timeline', error);
      return undefined;
    }
    if (!customer) return null;
    const journeys = customer.journeys.edges.map((e) => e.node);
    const interactions = journeys.flatMap((j) => j.interactions.map((i) => ({ ...i, journey: j.id })));
    customer.latest = interactions.reduce((a, b) => (!a || Date.parse(b.at) >= Date.parse(a.at) ? b : a), null);
    const switched = customer.switchedTo.map((s) => `${label(s.competitor)} on ${day(s.at)}`).join(', ');
    const shown = interactions.length;
    $('#customer-summary').textContent = `${plural(customer.journeys.totalCount, 'journey')}, `
      + `${plural(shown, 'interaction')} shown; relationship stage: ${customer.relationshipStage || 'unknown'}.`
      + (switched ? ` Switched to ${switched}.` : '');

    const history = customer.personaHistory;
    const times = interactions.map((i) => Date.parse(i.at));
    const changes = history.flatMap((p) => [p.since, p.until]).filter(Boolean).map((t) => Date.parse(t));
    const first = Math.min(...times, ...changes);
    // the axis spans the interactions and every persona change (an assignment may start after the last
    // interaction: Sydney became a loyal professional in June), not up to today's date; a margin shows open ends
    const last = Math.max(...times, ...changes);
    const margin = Math.max(86400000, 0.08 * (last - first));
    const start = first - margin;
    const end = last + margin;
    const names = [...new Set(history.map((h) => label(h.persona)))];
    const dateLabel = { formatter: (v) => day(new Date(v).toISOString()), hideOverlap: true };
    chart('#persona-timeline').setOption({
      grid: { left: 150, right: 30, top: 10, bottom: 30 },
      tooltip: { formatter: (p) => `${esc(p.value[3])}: weight ${p.value[4]}, ${day(new Date(p.value[1]).toISOString())} → `
        + `${p.value[5] ? day(new Date(p.value[2]).toISOString()) : 'now'} (${esc(p.value[6] || 'declared')})` },
      xAxis: { type: 'time', min: Number.isFinite(start) ? start : undefined, max: Number.isFinite(end) ? end : undefined,
        splitNumber: 5, axisLabel: dateLabel },
      yAxis: { type: 'category', data: names },
      series: [{ type: 'custom', data: history.map((h) => [names.indexOf(label(h.persona)),
        h.since ? Date.parse(h.since) : start, h.until ? Date.parse(h.until) : end, label(h.persona), h.weight,
        Boolean(h.until), h.source]),
      encode: { x: [1, 2], y: 0 },
      renderItem: (params, api) => {
        const a = api.coord([api.value(1), api.value(0)]);
        const b = api.coord([api.value(2), api.value(0)]);
        const height = api.size([0, 1])[1] * 0.5;
        return { type: 'rect', shape: { x: a[0], y: a[1] - height / 2, width: Math.max(2, b[0] - a[0]), height },
          style: { fill: COLOURS.met, opacity: 0.25 + 0.75 * api.value(4) } };
      } }],
    });

    const stageIndex = (i) => Math.max(0, STAGES.indexOf(i.touchpoint.stage));
    const spread = Math.max(3600000, 0.03 * (Math.max(...times) - Math.min(...times))); // keeps edge dots off the axes
    chart('#journey-timeline').setOption({
      grid: { left: 110, right: 30, top: 20, bottom: 60 },
      tooltip: { trigger: 'item', formatter: (p) => {
        const i = interactions[p.dataIndex];
        return `${day(i.at)} ${esc(label(i.touchpoint))} (${esc(label(i.channel))})<br>${esc(i.type)}, `
          + `${esc(i.experience || 'no rating')}${i.csat ? `, CSAT ${i.csat}` : ''}`
          + `${i.frictions.length ? `<br>⚠ ${esc(i.frictions.map(label).join(', '))}` : ''}`;
      } },
      dataZoom: [{ type: 'slider', height: 18, bottom: 10, labelFormatter: (v) => day(new Date(v).toISOString()) }],
      xAxis: { type: 'time', splitNumber: 5, axisLabel: dateLabel,
        min: times.length ? Math.min(...times) - spread : undefined, max: times.length ? Math.max(...times) + spread : undefined },
      yAxis: { type: 'category', data: STAGES },
      series: [{ type: 'scatter', data: interactions.map((i) => ({
        value: [i.at, stageIndex(i)],
        symbolSize: i.frictions.length ? 16 : 11,
        itemStyle: { color: COLOURS[i.experience] || COLOURS.none,
          borderColor: i.frictions.length ? COLOURS.friction : '#fff', borderWidth: i.frictions.length ? 3 : 1 },
      })) }],
    });
    $('#journey-list').replaceChildren(...journeys.map((j) => el('li', {},
      el('strong', {}, `${day(j.startedAt)} → ${day(j.endedAt)}: `),
      ...j.interactions.map((i) => el('span', { class: `chip ${i.experience || 'none'}`,
        title: `${i.type}${i.frictions.length ? `, friction: ${i.frictions.map(label).join(', ')}` : ''}` },
      `${i.frictions.length ? '⚠ ' : ''}${label(i.touchpoint)}`)))));
    return customer;
  }

  async function personalData(id) {
    const panel = $('#pii-panel');
    if (!viewer || !viewer.personalData) {
      panel.replaceChildren(el('p', { class: 'muted' },
        `Personal data is not shown to the ${viewer ? viewer.role : 'current'} role.`));
      return;
    }
    try {
      const { customer } = await gql('query D($id: ID!) { customer(id: $id) { pii } }', { id });
      const pii = (customer && customer.pii) || {};
      const entries = Object.entries(pii);
      panel.replaceChildren(entries.length
        ? el('dl', { class: 'pii', id: 'pii' }, entries.map(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]))
        : el('p', { class: 'muted' }, 'The twin holds no personal data for this customer.'));
    } catch (error) {
      fail(panel, error);
    }
  }

  async function nextSteps(id, customer) {
    try {
      const steps = (await gql(`query N($id: ID!) { nextSteps(customerId: $id, k: 5) {
        touchpoint { code name stage } probability } }`, { id })).nextSteps;
      if (!steps.length) {
        const left = customer.latest && ['switch', 'churn'].includes(customer.latest.type);
        $('#next-steps').replaceChildren(el('p', { class: 'muted' }, left
          ? `No next steps: the customer left on ${day(customer.latest.at)}; the actions say how to win them back.`
          : 'No prediction: too little history.'));
        return;
      }
      chart('#next-steps').setOption({
        grid: { left: 170, right: 50, top: 10, bottom: 30 },
        xAxis: { type: 'value', max: 1, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
        yAxis: { type: 'category', inverse: true, data: steps.map((s) => label(s.touchpoint)) },
        tooltip: { trigger: 'axis' },
        series: [{ type: 'bar', data: steps.map((s) => +s.probability.toFixed(3)), itemStyle: { color: '#7c3aed' },
          label: { show: true, position: 'right', formatter: (p) => pct(p.value) } }],
      });
    } catch (error) {
      fail('#next-steps', error);
    }
  }

  async function nextActions(id) {
    const list = $('#next-actions');
    try {
      const actions = (await gql(`query B($id: ID!) { nextBestActions(customerId: $id) {
        action { code name kind } reason } }`, { id })).nextBestActions;
      list.replaceChildren(...(actions.length ? actions.map((a) => el('li', {}, el('strong', {}, label(a.action)),
        a.action.kind ? ` (${a.action.kind})` : '', el('br'), el('span', { class: 'muted' }, a.reason)))
        : [el('li', { class: 'muted' }, 'No action suggested right now.')]));
    } catch (error) {
      fail(list, error);
    }
  }

  // ---- stakeholder map -------------------------------------------------------------------------------------------
  async function stakeholderPage() {
    let rows;
    try {
      rows = (await gql(`{ stakeholderMap { stakeholder { code name } support influence quadrant
        touchpoints { code name } frictions { code name } } }`)).stakeholderMap;
    } catch (error) {
      fail('#stakeholder-chart', error);
      return;
    }
    const quadrantColour = { champion: '#16a34a', supporter: '#0284c7', gatekeeper: '#dc2626', bystander: '#64748b' };
    const corner = (text, x, y) => ({ type: 'text', left: x, top: y, style: { text, fill: '#94a3b8', fontSize: 13, fontWeight: 'bold' } });
    chart('#stakeholder-chart').setOption({
      grid: { left: 60, right: 30, top: 30, bottom: 50 },
      graphic: [corner('GATEKEEPERS', 70, 36), corner('CHAMPIONS', '78%', 36), corner('BYSTANDERS', 70, '86%'),
        corner('SUPPORTERS', '78%', '86%')],
      tooltip: { formatter: (p) => {
        const r = rows[p.dataIndex];
        return `${esc(label(r.stakeholder))} (${esc(r.quadrant)})<br>support ${num(r.support, 2)}, influence ${num(r.influence, 2)}`
          + `<br>owns ${r.frictions.length} frictions, ${r.touchpoints.length} touchpoints`;
      } },
      xAxis: { type: 'value', name: 'support', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
      yAxis: { type: 'value', name: 'influence', nameLocation: 'middle', nameGap: 38, min: 0, max: 1 },
      series: [{ type: 'scatter',
        data: rows.map((r) => ({ value: [r.support, r.influence], name: label(r.stakeholder),
          symbolSize: 18 + 8 * r.frictions.length, itemStyle: { color: quadrantColour[r.quadrant] || '#64748b', opacity: 0.8 } })),
        label: { show: true, position: 'right', formatter: (p) => p.name, color: '#0f172a' },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: '#94a3b8', type: 'dashed' },
          data: [{ xAxis: 0.5 }, { yAxis: 0.5 }] } }],
    });
    rows.sort((a, b) => b.frictions.length - a.frictions.length || b.influence - a.influence);
    $('#stakeholder-list').replaceChildren(...rows.map((r) => el('li', { 'data-stakeholder': r.stakeholder.code },
      el('strong', {}, label(r.stakeholder)), ' ', el('span', { class: `badge quadrant-${r.quadrant}` }, r.quadrant),
      el('br'),
      r.frictions.length ? r.frictions.map((f) => [el('span', { class: 'badge friction' }, `⚠ ${label(f)}`), ' '])
        : el('span', { class: 'muted' }, 'owns no friction'),
      r.touchpoints.length ? el('div', { class: 'muted' }, `touchpoints: ${r.touchpoints.map(label).join(', ')}`) : '')));
  }

  // ---- semantic feedback search ----------------------------------------------------------------------------------
  async function searchPage(main) {
    const form = $('#search-form');
    const select = $('#search-persona');
    try {
      const { personas } = await gql('{ personas { code name } }');
      select.append(...personas.map((p) => el('option', { value: p.code }, label(p))));
    } catch (error) {
      status(`Personas unavailable: ${error.message}`);
    }
    const run = async () => {
      const text = $('#search-text').value.trim();
      const results = $('#search-results');
      if (!text) return;
      const url = new URL(window.location.href);
      url.searchParams.set('q', text);
      window.history.replaceState(null, '', url);
      results.replaceChildren(el('li', { class: 'muted' }, 'Searching…'));
      try {
        // one match per distinct verbatim (the API's), represented by the latest interaction that carried it
        const matches = (await gql(`query S($text: String!, $persona: String) {
          similarFeedback(text: $text, k: 10, persona: $persona) { interactionId text score customerId occurrences } }`,
        { text, persona: select.value || null })).similarFeedback;
        results.replaceChildren(...(matches.length ? matches.map((m) => el('li', {},
          el('blockquote', {}, `“${m.text}”`),
          el('span', { class: 'muted' }, `similarity ${num(m.score, 2)} · said ${m.occurrences === 1 ? 'once' : `${m.occurrences} times`}`,
            m.customerId ? [', latest by ', el('a', { href: `/customers/${encodeURIComponent(m.customerId)}` }, m.customerId)]
              : '')))
          : [el('li', { class: 'muted' }, 'Nothing similar yet.')]));
      } catch (error) {
        fail(results, error);
      }
    };
    form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
    if (main.dataset.query) await run();
  }

  // ---- journey analytics: funnel, retention, paths --------------------------------------------------------------
  const MATCHER_KEYS = ['touchpoint', 'type', 'stage', 'channel', 'outcome'];

  // "touchpoint=checkout outcome=failure" -> { touchpoint: 'checkout', outcome: 'failure' }; null when empty
  function matcher(text) {
    const found = {};
    for (const part of String(text || '').trim().split(/\s+/).filter(Boolean)) {
      const [key, ...rest] = part.split('=');
      if (!MATCHER_KEYS.includes(key) || !rest.length || !rest.join('=')) {
        throw new Error(`“${part}” is not a step: write key=value with a key among ${MATCHER_KEYS.join(', ')}`);
      }
      found[key] = rest.join('=');
    }
    return Object.keys(found).length ? found : null;
  }
  const matcherText = (m) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ');
  const pathsLink = (start) => `/paths?start=${encodeURIComponent(matcherText(start))}`;

  function wireForm(form, run) {
    form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
  }

  async function funnelPage() {
    const query = new URLSearchParams(window.location.search);
    const stepsInput = $('#funnel-steps');
    stepsInput.value = (query.get('steps') || 'stage=awareness|stage=consideration|type=purchase').split('|').join('\n');
    if (query.get('window')) $('#funnel-window').value = query.get('window');
    if (query.has('breakdown')) $('#funnel-breakdown').value = query.get('breakdown');
    const run = async () => {
      let steps;
      try {
        steps = stepsInput.value.split('\n').map(matcher).filter(Boolean);
      } catch (error) {
        fail('#funnel-drops', error);
        return;
      }
      const windowDays = Number($('#funnel-window').value);
      const breakdown = $('#funnel-breakdown').value || null;
      status('Computing the funnel…');
      let funnel;
      try {
        funnel = (await gql(`query F($steps: [StepMatcher!]!, $windowDays: Int!, $breakdown: FunnelBreakdown) {
          funnel(steps: $steps, windowDays: $windowDays, breakdown: $breakdown, limit: 5) {
            steps { step customers fromPrevious fromFirst medianMsFromEntry }
            groups { key steps { step customers fromFirst } }
            drops { step friction { code name } hitters droppedHitters dropRate baseline lift ciLow ciHigh } } }`,
        { steps, windowDays, breakdown })).funnel;
      } catch (error) {
        ['#funnel-chart', '#funnel-breakdown-chart', '#funnel-drops'].forEach((target) => fail(target, error));
        status('');
        return;
      }
      status('');
      const names = steps.map((s, n) => `${n + 1}. ${matcherText(s)}`);
      chart('#funnel-chart').setOption({
        animation: false,
        grid: { left: 180, right: 80, top: 10, bottom: 30 },
        tooltip: { trigger: 'axis', formatter: (items) => {
          const s = funnel.steps[items[0].dataIndex];
          return `${esc(names[s.step - 1])}<br>${s.customers} customers · ${pct(s.fromPrevious)} of the step before`
            + ` · ${pct(s.fromFirst)} of the first`;
        } },
        xAxis: { type: 'value', name: 'customers' },
        yAxis: { type: 'category', inverse: true, data: names, axisLabel: { width: 170, overflow: 'truncate' } },
        series: [{ type: 'bar', data: funnel.steps.map((s) => s.customers), itemStyle: { color: COLOURS.met },
          label: { show: true, position: 'right', formatter: (p) => (p.dataIndex ? pct(funnel.steps[p.dataIndex].fromPrevious) : `${p.value}`) } }],
      });
      $('#funnel-steps-list').replaceChildren(...funnel.steps.map((s) => el('li', { 'data-step': s.step },
        el('strong', {}, names[s.step - 1]), ` · ${s.customers} customers`,
        s.step > 1 ? ` · ${pct(s.fromPrevious)} of step ${s.step - 1}` : '',
        s.medianMsFromEntry ? ` · median ${num(s.medianMsFromEntry / 86400000, 1)} days after entry` : '',
        ' · ', el('a', { href: pathsLink(steps[s.step - 1]), class: 'paths-link' }, 'what happens next'))));
      const groups = funnel.groups;
      $('#breakdown-title').textContent = breakdown === 'CHANNEL' ? 'By channel of the entry' : 'By persona at entry';
      chart('#funnel-breakdown-chart').setOption({
        animation: false,
        legend: { bottom: 0, type: 'scroll' },
        grid: { left: 50, right: 20, top: 20, bottom: 60 },
        tooltip: { trigger: 'axis', valueFormatter: (v) => pct(v) },
        xAxis: { type: 'category', data: funnel.steps.map((s) => `step ${s.step}`) },
        yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v) => `${Math.round(100 * v)}%` } },
        series: groups.length ? groups.map((g) => ({ type: 'bar', name: g.key || 'no persona',
          data: g.steps.map((s) => s.fromFirst) }))
          : [{ type: 'bar', name: 'everyone', data: funnel.steps.map((s) => s.fromFirst) }],
      });
      const drops = $('#funnel-drops');
      drops.replaceChildren(...funnel.steps.slice(0, -1).map((s) => {
        const rows = funnel.drops.filter((d) => d.step === s.step);
        return el('div', { class: 'drop', 'data-step': s.step },
          el('h3', {}, `After step ${s.step} (${names[s.step - 1]}): ${s.customers - funnel.steps[s.step].customers}`
            + ` of ${s.customers} went no further`),
          rows.length ? el('table', { class: 'table drops' },
            el('thead', {}, el('tr', {}, ['friction', 'hit it', 'dropped', 'drop rate', 'others dropped', 'lift', '95% interval']
              .map((h, n) => el('th', { scope: 'col', class: n ? 'num' : null }, h)))),
            el('tbody', {}, rows.map((d) => el('tr', { 'data-friction': d.friction.code },
              el('th', { scope: 'row' }, label(d.friction)),
              el('td', { class: 'num' }, d.hitters), el('td', { class: 'num' }, d.droppedHitters),
              el('td', { class: 'num' }, pct(d.dropRate)), el('td', { class: 'num' }, pct(d.baseline)),
              el('td', { class: 'num' }, d.lift === null ? '–' : `${num(d.lift, 2)}×`),
              el('td', { class: 'num' }, `${pct(d.ciLow)} – ${pct(d.ciHigh)}`)))))
            : el('p', { class: 'muted' }, 'No friction was hit before this drop.'));
      }));
    };
    wireForm($('#funnel-form'), run);
    await run();
  }

  async function retentionPage() {
    const run = async () => {
      let cohortEvent; let returnEvent;
      try {
        cohortEvent = matcher($('#retention-cohort').value);
        returnEvent = matcher($('#retention-return').value);
        if (!cohortEvent || !returnEvent) throw new Error('give a cohort event and a return event');
      } catch (error) {
        fail('#retention-chart', error);
        return;
      }
      const period = $('#retention-period').value;
      const periods = Number($('#retention-periods').value);
      let retention;
      try {
        retention = (await gql(`query R($cohortEvent: StepMatcher!, $returnEvent: StepMatcher!,
            $period: RetentionPeriod!, $periods: Int!) {
          retention(cohortEvent: $cohortEvent, returnEvent: $returnEvent, period: $period, periods: $periods) {
            asOf cohorts { start size periods { n eligible retained rate } } } }`,
        { cohortEvent, returnEvent, period, periods })).retention;
      } catch (error) {
        fail('#retention-chart', error);
        return;
      }
      $('#retention-asof').textContent = `As of ${day(retention.asOf)} (the latest interaction in the twin); `
        + `${retention.cohorts.length} cohorts, ${retention.cohorts.reduce((n, c) => n + c.size, 0)} customers.`;
      const rows = retention.cohorts.map((c) => `${day(c.start)} (${c.size})`);
      const cells = retention.cohorts.flatMap((c, y) => c.periods.map((p) => ({
        value: [p.n - 1, y, p.rate === null ? '-' : p.rate], cell: p })));
      chart('#retention-chart').setOption({
        animation: false,
        grid: { left: 130, right: 20, top: 50, bottom: 40 },
        tooltip: { formatter: (item) => {
          const c = item.data.cell;
          return `${esc(rows[item.value[1]])}, period ${c.n}: ${c.retained} of ${c.eligible} eligible`
            + ` (${pct(c.rate)})`;
        } },
        xAxis: { type: 'category', name: period.toLowerCase(), nameLocation: 'middle', nameGap: 26,
          data: Array.from({ length: periods }, (_, n) => String(n + 1)) },
        yAxis: { type: 'category', inverse: true, data: rows },
        visualMap: { min: 0, max: Math.max(0.01, ...cells.map((c) => (typeof c.value[2] === 'number' ? c.value[2] : 0))),
          calculable: true, orient: 'horizontal', right: 10, top: 0, itemHeight: 120,
          formatter: (v) => `${Math.round(100 * v)}%`, inRange: { color: ['#eff6ff', '#1d4ed8'] } },
        series: [{ type: 'heatmap', data: cells,
          label: { show: true, formatter: (item) => (typeof item.value[2] === 'number' ? `${Math.round(100 * item.value[2])}%` : '') } }],
      });
    };
    wireForm($('#retention-form'), run);
    await run();
  }

  async function pathsPage() {
    const query = new URLSearchParams(window.location.search);
    $('#paths-start').value = query.get('start') || '';
    $('#paths-end').value = query.get('end') || '';
    if (query.get('max')) $('#paths-max').value = query.get('max');
    const tbody = $('#sequences-table tbody');
    const run = async () => {
      let start; let end;
      try {
        start = matcher($('#paths-start').value);
        end = matcher($('#paths-end').value);
      } catch (error) {
        fail(tbody.parentElement, error);
        return;
      }
      let paths;
      try {
        paths = (await gql(`query P($start: StepMatcher, $end: StepMatcher, $maxSteps: Int!) {
          journeyPaths(start: $start, end: $end, maxSteps: $maxSteps, limit: 15) {
            sequences { steps occurrences customers } transitions { from to occurrences medianMs } } }`,
        { start, end, maxSteps: Number($('#paths-max').value) })).journeyPaths;
      } catch (error) {
        fail(tbody.parentElement, error);
        fail('#paths-chart', error);
        return;
      }
      tbody.replaceChildren(...(paths.sequences.length ? paths.sequences.map((s) => el('tr', {},
        el('td', {}, s.steps.join(' → ')), el('td', { class: 'num' }, s.occurrences), el('td', { class: 'num' }, s.customers)))
        : [el('tr', {}, el('td', { colspan: 3, class: 'muted' }, 'No path matches.'))]));
      const top = paths.transitions.slice(0, 12);
      chart('#paths-chart').setOption({
        animation: false,
        grid: { left: 230, right: 40, top: 10, bottom: 30 },
        tooltip: { trigger: 'axis', formatter: (items) => {
          const t = top[items[0].dataIndex];
          return `${esc(t.from)} → ${esc(t.to)}: ${t.occurrences} times, median ${num(t.medianMs / 3600000, 1)} h apart`;
        } },
        xAxis: { type: 'value', name: 'paths' },
        yAxis: { type: 'category', inverse: true, data: top.map((t) => `${t.from} → ${t.to}`),
          axisLabel: { width: 220, overflow: 'truncate' } },
        series: [{ type: 'bar', data: top.map((t) => t.occurrences), itemStyle: { color: COLOURS.friction } }],
      });
    };
    wireForm($('#paths-form'), run);
    await run();
  }

  // ---- customers, a page at a time -----------------------------------------------------------------------------
  async function customersPage() {
    const tbody = $('#customers-table tbody');
    const more = $('#customers-more');
    let after = null;
    const load = async () => {
      let page;
      try {
        page = (await gql(`query L($after: String) { customers(first: 50, after: $after) { totalCount
          pageInfo { hasNextPage endCursor } edges { node { id relationshipStage personas { persona { code name } } } } } }`,
        { after })).customers;
      } catch (error) {
        fail(tbody.parentElement, error);
        return;
      }
      if (after === null) tbody.replaceChildren();
      $('#customers-count').textContent = `(${page.totalCount})`;
      tbody.append(...page.edges.map(({ node }) => el('tr', { 'data-customer': node.id },
        el('th', { scope: 'row' }, el('a', { href: `/customers/${encodeURIComponent(node.id)}` }, node.id)),
        el('td', {}, node.relationshipStage || '–'),
        el('td', {}, node.personas.map((p) => label(p.persona)).join(', ') || '–'))));
      if (!page.totalCount) tbody.append(el('tr', {}, el('td', { colspan: 3, class: 'muted' }, 'No customers yet.')));
      after = page.pageInfo.endCursor;
      more.hidden = !page.pageInfo.hasNextPage;
    };
    more.addEventListener('click', load);
    await load();
  }

  // ---- start -----------------------------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', async () => {
    const main = document.querySelector('main');
    const pages = { home, persona: personaPage, customer: customerPage, customers: customersPage,
      stakeholders: stakeholderPage, search: searchPage, funnel: funnelPage, retention: retentionPage,
      paths: pathsPage };
    const page = pages[main.dataset.page];
    wireAccount();
    document.body.dataset.state = 'loading';
    try {
      if (await whoIsAsking(main) && page) await page(main);
    } finally {
      document.body.dataset.state = 'ready';  // the browser tests wait for this
    }
  });
}());
