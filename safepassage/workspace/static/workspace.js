/* The planner workspace page: draws the plan, sends changes, shows each new solve.
 *
 * Every name (streets, posts, destinations) comes from OpenStreetMap or a planner and goes into
 * the page as text (textContent, text nodes), never as markup. The only markup set as HTML is
 * the server's own static SVG symbols. Changes go to the server one at a time (a promise
 * chain); each answer names the new version at once, and its solve is awaited separately, so
 * the page stays usable while the server works and a newer change supersedes an older solve.
 *
 * Distances are read in the served units (`safepassage serve --units`, feet and miles by
 * default). The server sends every walking distance and post name as words, made with the
 * project's one formatter (safepassage.utils.format_distance): `shown`, `length`,
 * `covered_length`, ...; the page formats none. Only the radii a planner types (post radius,
 * ban radius) are converted here, exactly, to and from whole feet (or metres): they are
 * settings, not distances to round. The plan itself stays in metres (radius_m).
 */
(function () {
  "use strict";

  // Colours and widths come from the server (safepassage.maps.styles), as on the offline maps.
  const style = (key) => S.area.styles[key];
  const SAME_SPOT_M = 6;      // a lock or ban this close to a post is that post's
  const SNAP_M = 25;          // a dragged post snaps to a candidate this close
  const FOOT_M = 0.3048;      // the international foot (safepassage.utils.FOOT_M)
  // the radii a planner types, in the served units: [metres per unit, word, abbreviation, default ban]
  const INPUT_UNITS = { imperial: [FOOT_M, "feet", "ft", 100], metric: [1, "meters", "m", 30] };

  const S = {
    area: null, state: null, version: 0, plan: null, window: null, corridors: {},
    tool: "select", chain: Promise.resolve(), follow: 0, map: null, layers: {}, renderer: null,
    markers: {}, fitted: false, units: "imperial",
  };
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------
  // small helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null) continue;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "style") Object.assign(node.style, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function pct(x) { return x === null || x === undefined ? "–" : `${Number(x).toFixed(1)} %`; }
  function unit() { return INPUT_UNITS[S.units] || INPUT_UNITS.imperial; }
  function toInput(m) { return Math.round(m / unit()[0]); }                  // whole feet or metres
  function fromInput(v) { return Math.round(v * unit()[0] * 100) / 100; }    // metres, to the cm
  function radiusText(m) { return `${toInput(m)} ${unit()[2]}`; }
  function share(x) { return x >= 10 ? `${x.toFixed(0)} %` : x >= 0.1 ? `${x.toFixed(1)} %` : "under 0.1 %"; }

  function metres(a, b) {
    const R = 6371008.8, rad = Math.PI / 180;
    const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
    const y = (b.lat - a.lat) * rad;
    return R * Math.hypot(x, y);
  }

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = { error: `${r.status} ${r.statusText}` }; }
    if (!r.ok) {
      const err = new Error((data && data.error) || `${r.status} ${r.statusText}`);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  function setStatus(state, text) {
    const s = $("status");
    s.dataset.state = state;
    $("status-text").textContent = text;
    document.body.classList.toggle("ws-solving", state === "solving");
  }

  function showError(message) {
    const box = $("error");
    box.hidden = !message;
    box.textContent = message || "";
  }

  // ---------------------------------------------------------------------------------------
  // sending changes

  function enqueue(task) {
    S.chain = S.chain.then(task).catch((e) => failed(e));
    return S.chain;
  }

  async function failed(e) {
    showError(e.message);
    if (e.status === 409 && !/^nothing to/.test(e.message)) {  // another tab changed the plan
      const st = await api("GET", "/api/plan?wait=0");
      apply(st);
      follow(st.version);
    } else if (S.state) {
      render();  // the inputs show the plan as it is, not the refused value
      showError(e.message);
    }
  }

  function change(mutate, extra) {
    return enqueue(async () => {
      const plan = clone(S.plan);
      mutate(plan);
      setStatus("solving", "Solving…");
      const body = Object.assign({ version: S.version, plan, window: S.window }, extra || {});
      const st = await api("PUT", "/api/plan?wait=0", body);
      showError("");
      apply(st);
      follow(st.version);
    });
  }

  function step(path) {
    return enqueue(async () => {
      setStatus("solving", "Solving…");
      const st = await api("POST", `${path}?wait=0`, { version: S.version, window: S.window });
      showError("");
      apply(st);
      follow(st.version);
    });
  }

  // Wait for a version's solve: the window looked at first, then the others. An answer for an
  // older version than the page's is dropped (a newer change superseded it).
  async function follow(version) {
    const ticket = ++S.follow;
    try {
      let st = await api("GET", `/api/plan?version=${version}&window=${encodeURIComponent(S.window)}`);
      if (ticket !== S.follow || st.version !== S.version) return;
      apply(st);
      if (st.solving && !st.error) {
        st = await api("GET", `/api/plan?version=${version}`);
        if (ticket !== S.follow || st.version !== S.version) return;
        apply(st);
      }
    } catch (e) {
      if (ticket === S.follow) showError(e.message);
    }
  }

  // ---------------------------------------------------------------------------------------
  // plan edits (each applies to every window, as a plan file does)

  function near(item, point, within) {
    return item && typeof item.lat === "number" && metres(item, point) <= within;
  }

  function named(x, name) { return typeof x.post === "string" && !!name && x.post === name; }

  function unlock(plan, post) {
    plan.locked = plan.locked.filter((x) => !(near(x, post, SAME_SPOT_M) || named(x, post.name)));
  }

  function unban(plan, point) {
    plan.banned = plan.banned.filter((x) => !(near(x, point, (x.radius_m || 30) + 2)
      || named(x, point.name)));
  }

  function lockAt(plan, point, name) {
    const here = { lat: point.lat, lon: point.lon, name };
    unban(plan, here);
    unlock(plan, here);
    plan.locked.push({ name, lat: point.lat, lon: point.lon });
  }

  function banAt(plan, point, name, radius) {
    unlock(plan, point);
    plan.extra_posts = plan.extra_posts.filter((x) => !near(x, point, radius));
    plan.banned.push({ name, lat: point.lat, lon: point.lon, radius_m: radius });
  }

  function banRadius() {  // metres
    const v = Number($("ban-radius").value);
    const m = fromInput(Number.isFinite(v) && v > 0 ? v : unit()[3]);
    return Math.min(m, S.state.limits.ban_radius_m);
  }

  function nearestCandidate(point) {
    const c = S.corridors[currentResult() ? currentResult().corridor : ""];
    let best = null, d = Infinity;
    for (const cand of (c ? c.candidates : [])) {
      const m = metres(cand, point);
      if (m < d) { d = m; best = cand; }
    }
    return best ? { cand: best, m: d } : null;
  }

  function placeName(point) {
    const n = nearestCandidate(point);
    if (n && n.m <= 60) return n.m <= SAME_SPOT_M ? n.cand.name : `near ${n.cand.name}`;
    return `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}`;
  }

  const actions = {
    lock: (post) => change((p) => lockAt(p, post, post.name)),
    unlock: (post) => change((p) => unlock(p, post)),
    ban: (post) => change((p) => banAt(p, post, post.name, banRadius())),
    remove: (post) => change((p) => {
      unlock(p, post);
      p.extra_posts = p.extra_posts.filter((x) => !near(x, post, SAME_SPOT_M));
      p.banned.push({ name: post.name, lat: post.lat, lon: post.lon, radius_m: 5 });
    }),
    add: (point, name) => change((p) => {
      p.extra_posts.push({ name, lat: point.lat, lon: point.lon });
    }),
    lockPoint: (point, name) => change((p) => lockAt(p, point, name)),
    banPoint: (point) => change((p) => banAt(p, point, `Banned place ${placeName(point)}`, banRadius())),
    moved: (post, to) => {
      const n = nearestCandidate(to);
      const snap = n && n.m <= SNAP_M;
      const at = snap ? { lat: n.cand.lat, lon: n.cand.lon } : to;
      const name = snap ? n.cand.name : `Post ${placeName(to)}`;
      return change((p) => { if (post.locked) unlock(p, post); lockAt(p, at, name); });
    },
  };

  // ---------------------------------------------------------------------------------------
  // the map

  function setupMap(area) {
    const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, zoomControl: true });
    S.map = map;
    S.renderer = L.canvas({ padding: 0.5, tolerance: 6 });
    for (const name of ["base", "halo", "corridor", "bans", "candidates", "removed", "places", "posts"]) {
      S.layers[name] = L.layerGroup().addTo(map);
    }
    const base = area.base;
    for (const key of ["path", "street", "major"]) {
      if (base[key] && base[key].length) {
        L.polyline(base[key], Object.assign({ interactive: false, opacity: 1, smoothFactor: 1,
          renderer: S.renderer }, style("base")[key])).addTo(S.layers.base);
      }
    }
    for (const d of area.destinations) {
      const kind = area.kinds[d.kind] || area.kinds.other;
      const icon = el("div", { className: "sp-kind-icon" });
      if (kind) icon.innerHTML = kind.symbol;  // the server's own static SVG, no user text
      L.marker([d.lat, d.lon], { icon: L.divIcon({ html: icon, className: "sp-kind-icon",
        iconSize: [18, 18] }), keyboard: false })
        .bindTooltip(el("span", { text: `${d.name} (${kind ? kind.label : d.kind})` }))
        .addTo(S.layers.places);
    }
    const site = el("div", { className: "sp-site-icon" });
    site.innerHTML = area.site_symbol;  // the server's own static SVG
    L.marker([area.site.lat, area.site.lon], { icon: L.divIcon({ html: site,
      className: "sp-site-icon", iconSize: [22, 22] }), keyboard: false })
      .bindTooltip(el("span", { text: area.site.note || area.site.name }))
      .addTo(S.layers.places);
    L.control.layers(null, { "Candidate points": S.layers.candidates, "Destinations": S.layers.places,
      "Changes since saved": S.layers.halo }, { collapsed: true }).addTo(map);
    L.control.scale(S.units === "metric" ? { imperial: false } : { metric: false }).addTo(map);
    map.on("click", mapClicked);
    const lines = [].concat(base.street || [], base.major || [], base.path || []);
    const bounds = L.latLngBounds(lines.flat());
    if (bounds.isValid()) map.fitBounds(bounds.pad(-0.1)); else map.setView([area.site.lat, area.site.lon], 16);
  }

  function fitCorridor(corridor) {
    const pts = [];
    for (const seg of corridor.segments) for (const line of seg.lines) pts.push(...line);
    const bounds = L.latLngBounds(pts);
    if (bounds.isValid()) S.map.fitBounds(bounds, { padding: [20, 20], animate: false });
  }

  function popup(latlng, ...children) {
    L.popup({ maxWidth: 300 }).setLatLng(latlng)
      .setContent(el("div", { className: "ws-popup" }, ...children)).openOn(S.map);
  }

  function button(text, action, data) {
    return el("button", { type: "button", text, dataset: Object.assign({ action: data }, {}),
      onclick: (ev) => { ev.stopPropagation(); S.map.closePopup(); action(); } });
  }

  function mapClicked(ev) {
    const point = { lat: Number(ev.latlng.lat.toFixed(7)), lon: Number(ev.latlng.lng.toFixed(7)) };
    if (S.tool === "ban") { actions.banPoint(point); return; }
    const name = `Post ${placeName(point)}`;
    popup(ev.latlng, el("strong", { text: "Here" }),
      el("p", { text: "An officer could stand here (it joins the nearest walkable street)." }),
      el("div", { className: "ws-actions" },
        button("Post an officer here", () => actions.lockPoint(point, name), "lock-here"),
        button("Add as a candidate", () => actions.add(point, name), "add-here")));
  }

  function drawCorridor(result, corridor) {
    S.layers.corridor.clearLayers();
    S.layers.halo.clearLayers();
    S.layers.candidates.clearLayers();
    if (!corridor) return;
    const styles = S.area.styles;
    const ch = changesFor(S.window);
    const opened = new Set(ch ? ch.opened_rows : []);
    const closed = new Set(ch ? ch.closed_rows : []);
    corridor.segments.forEach((seg, i) => {
      const post = result.rows[i] || 0;
      const band = Math.min(seg.band, styles.widths.length - 1);
      if (opened.has(i) || closed.has(i)) {
        L.polyline(seg.lines, { color: opened.has(i) ? styles.changes.opened : styles.changes.closed, weight: styles.widths[band] + 9,
          opacity: 0.45, interactive: false, renderer: S.renderer }).addTo(S.layers.halo);
      }
      const line = L.polyline(seg.lines, {
        color: (post ? styles.covered : styles.gap)[band], weight: styles.widths[band], opacity: 0.9,
        dashArray: post ? null : "8 6", renderer: S.renderer, bubblingMouseEvents: false,
      });
      const tip = post ? `${seg.name}: covered by post ${post}` : `${seg.name}: a gap, no officer within reach`;
      line.bindTooltip(el("span", { text: tip }), { sticky: true });
      line.on("click", (ev) => mapClicked(ev));
      line.addTo(S.layers.corridor);
    });
    for (const c of corridor.candidates) {
      const m = L.circleMarker([c.lat, c.lon], { radius: 3.5, color: "#fff", weight: 1, fillColor: "#666",
        fillOpacity: 0.75, renderer: S.renderer, bubblingMouseEvents: false });
      m.bindTooltip(el("span", { text: c.shown }));
      m.on("click", () => popup([c.lat, c.lon], el("strong", { text: c.shown }),
        el("p", { text: "A candidate post." }),
        el("div", { className: "ws-actions" },
          button("Post an officer here", () => actions.lockPoint(c, c.name), "lock-candidate"),
          button("Ban this spot", () => change((p) => banAt(p, c, c.name, 5)), "ban-candidate"))));
      m.addTo(S.layers.candidates);
    }
  }

  function badge(post, small) {
    const dark = S.area.styles.dark.includes(post.colour);
    return el("div", { className: `sp-post-badge${dark ? " sp-dark" : ""}`, text: String(post.post),
      style: { background: post.colour }, dataset: { post: String(post.post), name: post.name },
      "aria-label": `Post ${post.post}: ${post.shown}`, title: small ? null : post.shown });
  }

  function postPopup(post) {
    const rows = [
      el("strong", { text: `Post ${post.post}: ${post.shown}` }),
      el("p", { text: `${share(post.share_pct)} of the walking demand in this window` +
        (post.locked ? "; locked" : "") + (post.source === "extra" ? "; added by a planner" : "") }),
    ];
    const acts = el("div", { className: "ws-actions" },
      post.locked ? button("Unlock", () => actions.unlock(post), "unlock")
        : button("Lock", () => actions.lock(post), "lock"),
      button(`Ban place (${radiusText(banRadius())})`, () => actions.ban(post), "ban"),
      button("Remove", () => actions.remove(post), "remove"));
    popup([post.lat, post.lon], ...rows, acts);
  }

  function drawPosts(result) {
    S.layers.posts.clearLayers();
    S.markers = {};
    const ch = changesFor(S.window);
    const added = new Set((ch ? ch.posts_added.map((p) => p.name) : []).concat(
      ch ? ch.posts_moved.map((m) => m.to) : []));
    for (const post of result.posts) {
      const cls = `ws-post${post.locked ? " ws-locked" : ""}${added.has(post.name) ? " ws-added" : ""}`;
      const icon = L.divIcon({ html: badge(post), className: `sp-post-icon ${cls}`, iconSize: [26, 26] });
      const m = L.marker([post.lat, post.lon], { icon, draggable: true, riseOnHover: true,
        title: `Post ${post.post}: ${post.shown}`, autoPan: true });
      m.on("click", () => postPopup(post));
      m.on("dragend", () => { const ll = m.getLatLng(); actions.moved(post, { lat: ll.lat, lon: ll.lng }); });
      m.addTo(S.layers.posts);
      S.markers[post.post] = m;
    }
  }

  function drawBans() {
    S.layers.bans.clearLayers();
    const names = S.state.shown_plan.banned;
    S.plan.banned.forEach((b, i) => {
      if (typeof b.lat !== "number") return;
      const name = names[i] || "a place";
      const c = L.circle([b.lat, b.lon], { radius: Math.max(b.radius_m || 30, 4), color: style("banned"), weight: 2,
        dashArray: "4 3", fillColor: style("banned"), fillOpacity: 0.12, bubblingMouseEvents: false });
      c.bindTooltip(el("span", { text: `Banned: ${name}` }));
      c.on("click", () => popup([b.lat, b.lon], el("strong", { text: `Banned: ${name}` }),
        el("p", { text: `No officer is posted within ${radiusText(b.radius_m || 30)}.` }),
        el("div", { className: "ws-actions" },
          button("Lift this ban", () => change((p) => { p.banned.splice(i, 1); }), "unban"))));
      c.addTo(S.layers.bans);
    });
  }

  function drawRemoved() {
    S.layers.removed.clearLayers();
    const ch = changesFor(S.window);
    if (!ch) return;
    for (const p of ch.posts_removed) {
      L.marker([p.lat, p.lon], { icon: L.divIcon({ html: el("div", { className: "ws-removed" }),
        className: "", iconSize: [18, 18] }), interactive: true, keyboard: false })
        .bindTooltip(el("span", { text: `Removed since saved: ${p.shown}` })).addTo(S.layers.removed);
    }
    for (const mv of ch.posts_moved) {
      if (!mv.from_at.lat || !mv.to_at.lat) continue;
      L.polyline([[mv.from_at.lat, mv.from_at.lon], [mv.to_at.lat, mv.to_at.lon]], { color: "#555",
        weight: 2, dashArray: "3 4", interactive: false }).addTo(S.layers.removed);
      L.marker([mv.from_at.lat, mv.from_at.lon], { icon: L.divIcon({ html: el("div", { className: "ws-removed" }),
        className: "", iconSize: [18, 18] }), keyboard: false })
        .bindTooltip(el("span", { text: `Moved ${mv.distance} from here: ${mv.from_shown} → ${mv.to_shown}` }))
        .addTo(S.layers.removed);
    }
  }

  // ---------------------------------------------------------------------------------------
  // the panel

  function currentResult() {
    const r = S.state && S.state.result;
    return r && r.windows ? r.windows[S.window] || null : null;
  }

  function changesFor(window) {
    const r = S.state && S.state.result;
    return r && r.changes ? r.changes.windows[window] || null : null;
  }

  function statusText(st) {
    if (st.error) return `Not solved: ${st.error}`;
    const r = currentResult();
    if (st.solving) return r ? `Solving the other windows… (version ${st.version})` : `Solving… (version ${st.version})`;
    if (!r) return "Ready";
    const quality = r.gap_pct === 0 ? "optimal" : r.gap_pct === null ? "no bound" : `within ${r.gap_pct.toFixed(2)} % of the best`;
    return `Up to date: version ${st.version}, ${r.method} (${quality}), ${st.result.seconds.toFixed(2)} s`;
  }

  function renderWindows() {
    const box = clear($("windows"));
    for (const w of S.plan.windows) {
      const r = S.state.result && S.state.result.windows[w];
      const b = el("button", { type: "button", role: "tab", "aria-selected": String(w === S.window),
        dataset: { window: w }, onclick: () => { S.window = w; render(); } },
        r ? r.label : w);
      box.append(b);
    }
  }

  function renderSettings() {
    const p = S.plan;
    const target = p.target_coverage !== undefined && p.target_coverage !== null;
    $("mode-fixed").checked = !target;
    $("mode-target").checked = target;
    const n = p.officers ? p.officers[S.window] : undefined;
    if (document.activeElement !== $("officers")) $("officers").value = n === undefined ? "" : n;
    if (document.activeElement !== $("target")) $("target").value = target ? Math.round(p.target_coverage * 100) : 90;
    if (document.activeElement !== $("radius")) $("radius").value = toInput(p.radius_m);
    $("backup").checked = !!p.backup;
    if (document.activeElement !== $("time-limit")) $("time-limit").value = S.state.time_limit;
    $("undo").disabled = !S.state.can_undo;
    $("redo").disabled = !S.state.can_redo;
  }

  function renderFigures(r) {
    const big = $("covered-pct");
    big.textContent = r ? pct(r.covered_pct) : "–";
    big.dataset.version = r ? String(S.version) : "";
    big.dataset.window = S.window || "";
    $("covered-km").textContent = r ? `${r.covered_length} of ${r.corridor_length}` : "–";
    let placed = r ? String(r.officers) : "–";
    if (r && r.officers_requested !== null && r.officers_requested !== r.officers) placed += ` of ${r.officers_requested} on duty`;
    if (r && r.target_coverage) placed += ` (target ${Math.round(r.target_coverage * 100)} %)`;
    $("officers-placed").textContent = placed;
    const quality = !r ? "" : r.gap_pct === 0 ? "optimal" : r.gap_pct === null ? "no bound" : `gap to the bound ${r.gap_pct.toFixed(2)} %`;
    $("method").textContent = r ? `${r.method}, ${quality}, in ${r.solve_seconds.toFixed(2)} s` : "–";
    const notes = clear($("notes"));
    for (const n of r ? r.notes : []) notes.append(el("li", { text: n }));
  }

  function renderPosts(r) {
    const list = clear($("posts"));
    for (const post of r ? r.posts : []) {
      list.append(el("li", { dataset: { post: String(post.post), name: post.name },
        onclick: () => { S.map.panTo([post.lat, post.lon]); postPopup(post); } },
        badge(post, true), el("span", { text: post.shown }),
        post.locked ? el("span", { className: "ws-tag", text: "locked" }) : null,
        el("span", { className: "ws-share", text: share(post.share_pct) })));
    }
  }

  function renderGaps(r) {
    const list = clear($("gaps"));
    const gaps = r ? r.gaps : [];
    for (const g of gaps.slice(0, 12)) {
      list.append(el("li", {}, el("span", { text: g.street }), " ",
        el("span", { className: "ws-figs", text: `${g.length}, ${share(g.share_pct)} of the demand` })));
    }
    if (gaps.length > 12) list.append(el("li", { text: `… and ${gaps.length - 12} more streets` }));
    if (r && !gaps.length) list.append(el("li", { text: "none: the whole corridor is covered" }));
  }

  function renderChanges() {
    const list = clear($("changes"));
    const c = S.state.result && S.state.result.changes;
    if (!c) { list.append(el("li", { text: S.state.solving ? "(after the solve)" : "–" })); return; }
    if (c.same) { list.append(el("li", { text: "none: this is the saved plan" })); return; }
    for (const line of c.text) list.append(el("li", { text: line }));
  }

  function renderAdjustments() {
    const lists = { locked: $("locked-list"), banned: $("banned-list"), extra_posts: $("extra-list") };
    for (const [key, list] of Object.entries(lists)) {
      clear(list);
      const items = S.plan[key] || [];
      const names = S.state.shown_plan[key] || [];
      if (!items.length) list.append(el("li", { className: "ws-empty", text: "none" }));
      items.forEach((item, i) => {
        const label = typeof item === "string" ? `polygons from ${item}`
          : item.file ? `polygons from ${item.file}`
          : item.post ? names[i] || item.post
          : `${names[i] || "a point"}${item.radius_m ? ` (${radiusText(item.radius_m)})` : ""}`;
        list.append(el("li", {}, el("span", { text: label }),
          el("button", { type: "button", text: "×", title: "Take it out", "aria-label": `Take out ${label}`,
            onclick: () => change((p) => { p[key].splice(i, 1); }) })));
      });
    }
  }

  function renderFiles() {
    const saved = S.state.saved;
    $("saved").textContent = saved.at ? `Saved ${saved.at} to ${saved.file}` + (saved.same ? "." : "; changed since.")
      : `Save writes ${saved.file}.`;
    const pub = S.state.published;
    $("published").textContent = pub.files.length ? `Published ${pub.files.length} files to ${pub.folder}.`
      : `Publish writes maps, handouts and data into ${pub.folder}.`;
  }

  function renderKey() {
    const box = clear($("key"));
    const st = S.area.styles;
    const sw = (colour, width, dashed) => el("span", { className: "ws-swatch",
      style: { borderTop: `${Math.max(width, 2)}px ${dashed ? "dashed" : "solid"} ${colour}` } });
    const dot = (fill, border) => el("span", { className: "ws-dot", style: { background: fill, border: `2px solid ${border}` } });
    box.append(el("li", {}, sw(st.covered[2], st.widths[2]), "Covered stretch (wider, darker: more people walking)"));
    box.append(el("li", {}, sw(st.gap[2], st.widths[2], true), "Gap: no officer within reach"));
    box.append(el("li", {}, dot("#666", "#fff"), "Candidate post"));
    box.append(el("li", {}, dot("rgba(193,18,31,.12)", style("banned")), "Banned place"));
    box.append(el("li", {}, sw(style("changes").opened, 8), "Gap opened since the saved plan"));
    box.append(el("li", {}, sw(style("changes").closed, 8), "Gap closed since the saved plan"));
    box.append(el("li", {}, dot("#fff", "#555"), "Post removed or moved since the saved plan"));
  }

  async function ensureCorridor(r) {
    if (!r || S.corridors[r.corridor]) return;
    S.corridors[r.corridor] = await api("GET", `/api/corridor/${encodeURIComponent(r.corridor)}`);
  }

  function render() {
    const st = S.state;
    renderWindows();
    renderSettings();
    const r = currentResult();
    renderFigures(r);
    renderPosts(r);
    renderGaps(r);
    renderChanges();
    renderAdjustments();
    renderFiles();
    drawBans();
    if (r) {
      ensureCorridor(r).then(() => {
        if (currentResult() !== r) return;
        drawCorridor(r, S.corridors[r.corridor]);
        drawPosts(r);
        drawRemoved();
        if (!S.fitted) { S.fitted = true; fitCorridor(S.corridors[r.corridor]); }
      }).catch((e) => showError(e.message));
    }
    setStatus(st.error ? "error" : st.solving ? "solving" : "ready", statusText(st));
  }

  function apply(st) {
    S.state = st;
    S.version = st.version;
    S.plan = st.plan;
    if (!S.window || !st.plan.windows.includes(S.window)) S.window = st.plan.windows[0];
    render();
  }

  // ---------------------------------------------------------------------------------------
  // controls

  function setupControls() {
    const officers = () => {
      const n = Number($("officers").value);
      if (!Number.isInteger(n) || n < 0) { showError("Officers must be a whole number ≥ 0"); return; }
      change((p) => { p.officers = p.officers || {}; p.officers[S.window] = n; delete p.target_coverage; });
    };
    $("officers").addEventListener("change", officers);
    $("mode-fixed").addEventListener("change", () => change((p) => { delete p.target_coverage; }));
    const target = () => change((p) => { p.target_coverage = Math.min(Math.max(Number($("target").value) || 90, 1), 100) / 100; });
    $("mode-target").addEventListener("change", target);
    $("target").addEventListener("change", target);
    $("radius").addEventListener("change", () => {
      const v = Number($("radius").value), [low, high] = S.state.limits.radius_m;
      const m = fromInput(v);
      if (!Number.isFinite(v) || m < low - 0.01 || m > high + 0.01) {
        $("radius").value = toInput(S.plan.radius_m);  // back to the plan's radius
        showError(`The post radius must be between ${Math.ceil(low / unit()[0])} and ${Math.floor(high / unit()[0])} ${unit()[1]}`);
        return;
      }
      change((p) => { p.radius_m = Math.min(Math.max(m, low), high); });
    });
    $("backup").addEventListener("change", (ev) => change((p) => {
      if (ev.target.checked) p.backup = { factor: 0.5, top_share: 0.2 }; else delete p.backup;
    }));
    $("time-limit").addEventListener("change", () => change(() => {}, { time_limit: Number($("time-limit").value) }));
    for (const r of document.querySelectorAll('input[name="tool"]')) {
      r.addEventListener("change", () => {
        S.tool = document.querySelector('input[name="tool"]:checked').value;
        S.map.getContainer().classList.toggle("ws-ban-tool", S.tool === "ban");
      });
    }
    $("undo").addEventListener("click", () => step("/api/undo"));
    $("redo").addEventListener("click", () => step("/api/redo"));
    $("save").addEventListener("click", () => enqueue(async () => {
      const st = await api("POST", "/api/save", { version: S.version });
      showError("");
      apply(st);
      if (st.solving) follow(st.version);
    }));
    $("publish").addEventListener("click", () => enqueue(async () => {
      setStatus("publishing", "Publishing maps, handouts and data…");
      const out = await api("POST", "/api/publish", { version: S.version });
      const st = await api("GET", "/api/plan?wait=0");
      apply(st);
      $("published").textContent = `Published ${out.files.length} files to ${out.folder} (the plan was saved to ${out.saved}).`;
    }));
    document.addEventListener("keydown", (ev) => {
      if (!(ev.ctrlKey || ev.metaKey) || ev.target.tagName === "INPUT") return;
      if (ev.key.toLowerCase() === "z" && !ev.shiftKey && !$("undo").disabled) { ev.preventDefault(); step("/api/undo"); }
      if ((ev.key.toLowerCase() === "y" || (ev.key.toLowerCase() === "z" && ev.shiftKey)) && !$("redo").disabled) {
        ev.preventDefault(); step("/api/redo");
      }
    });
  }

  // the inputs' units: the served ones; bounds from the server's limits once the plan arrives
  function setupUnits(units) {
    S.units = INPUT_UNITS[units] ? units : "imperial";
    const [, word, , ban] = unit();
    for (const id of ["radius-unit", "ban-radius-unit"]) $(id).textContent = word;
    $("radius").setAttribute("aria-label", `Post radius in ${word} of walking`);
    $("ban-radius").setAttribute("aria-label", `Ban radius in ${word}`);
    $("ban-radius").value = ban;
  }

  function boundInputs(limits) {
    const per = unit()[0];
    $("radius").min = Math.ceil(limits.radius_m[0] / per);
    $("radius").max = Math.floor(limits.radius_m[1] / per);
    $("ban-radius").min = 5;
    $("ban-radius").max = Math.floor(limits.ban_radius_m / per);
  }

  async function start() {
    try {
      S.area = await api("GET", "/api/map");
      setupUnits(S.area.units);
      $("site").textContent = S.area.site.name + (S.area.site.approximate ? " (site point approximate)" : "");
      document.title = `Planner workspace: ${S.area.site.name} · Safe Passages`;
      $("credits").textContent = S.area.credits.join(" · ");
      setupMap(S.area);
      setupControls();
      renderKey();
      const st = await api("GET", "/api/plan");
      boundInputs(st.limits);
      apply(st);
      if (st.solving) follow(st.version);
    } catch (e) {
      setStatus("error", "Could not load the workspace");
      showError(e.message);
    }
  }

  window.addEventListener("DOMContentLoaded", start);
})();
