// SiteWatch's page: the watchlist map, a site's dates with a before/after swipe, change
// outlines and detection boxes, the activity chart, alerts, claims (and reports to read:
// a file, a URL or pasted text) and reach.  Everything it loads comes from this server (/api/...
// and /static/...); a report's URL is fetched by the server.
"use strict";

const state = { sites: null, site: null, chips: [], pairs: [], timeline: null,
  before: null, after: null, chart: null, layers: {} };
const $ = (id) => document.getElementById(id);

function token() { return $("token").value.trim(); }

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (options.body && typeof options.body !== "string" && !(options.body instanceof Blob)) {
    headers["Content-Type"] = "application/json";
    options = { ...options, body: JSON.stringify(options.body) };
  }
  const response = await fetch(path, { ...options, headers });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((data && data.error) || `HTTP ${response.status}`);
  return data;
}

function say(message) { $("status").textContent = message || ""; }

function esc(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}

// -- map ---------------------------------------------------------------------------------

const map = L.map("map", { zoomControl: true, worldCopyJump: true, maxZoom: 21 })
  .setView([30, 60], 2);
map.createPane("before").style.zIndex = 250;
map.createPane("after").style.zIndex = 260;
map.createPane("overlays").style.zIndex = 420;
state.layers.sites = L.geoJSON(null, {
  style: (f) => ({ color: f.properties.zone ? "#e67e22" : "#c0392b", weight: 2, fill: false }),
}).addTo(map);
state.layers.badges = L.layerGroup().addTo(map);
state.layers.change = L.geoJSON(null, {
  pane: "overlays", style: { color: "#f1c40f", weight: 2, fillOpacity: 0.15 },
  onEachFeature: (f, layer) => layer.bindTooltip(
    `${esc(f.properties.change_type || "change")}, ${Math.round(f.properties.area_m2 || 0)} m²`),
}).addTo(map);
state.layers.detections = L.geoJSON(null, {
  pane: "overlays",
  style: (f) => ({
    color: f.properties.class === "aircraft" ? "#3498db"
      : f.properties.kind === "large" ? "#e67e22" : "#2ecc71",
    weight: 1.5, fill: false }),
}).addTo(map);
state.layers.reach = L.geoJSON(null, { style: { color: "#8e44ad", weight: 2, fillOpacity: 0.05 },
  pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 4, color: "#8e44ad" })
    .bindTooltip(esc(f.properties.name)) }).addTo(map);

function clipAfter() {
  const pane = map.getPane("after");
  if (!$("show-swipe").checked || $("swipe").hidden) { pane.style.clip = ""; $("swipe-line").hidden = true; return; }
  const size = map.getSize();
  const x = size.x * Number($("swipe").value) / 100;
  const nw = map.containerPointToLayerPoint([0, 0]);
  const se = map.containerPointToLayerPoint(size);
  const cut = map.containerPointToLayerPoint([x, 0]).x;
  // The after date shows right of the line, the before date left of it.
  pane.style.clip = `rect(${nw.y}px, ${se.x}px, ${se.y}px, ${cut}px)`;
  $("swipe-line").hidden = false;
  $("swipe-line").style.left = `${x}px`;
}
map.on("move zoom resize", clipAfter);
$("swipe").addEventListener("input", clipAfter);
$("show-swipe").addEventListener("change", clipAfter);

async function loadSettings() {
  const settings = await api("/api/settings");
  if (settings.basemap_url) {
    L.tileLayer(settings.basemap_url, { maxZoom: 19 }).addTo(map);
    return;
  }
  // No basemap: country outlines (Natural Earth 1:50m, served from the package).
  const world = await (await fetch("/static/vendor/countries-50m.json")).json();
  map.createPane("land").style.zIndex = 150;
  L.geoJSON(topojson.feature(world, world.objects.countries), {
    pane: "land", interactive: false,
    style: { color: "#9aa4ae", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1 },
  }).addTo(map);
}

// -- watchlist -------------------------------------------------------------------------

async function loadSites() {
  state.sites = await api("/api/sites");
  state.layers.sites.clearLayers();
  state.layers.badges.clearLayers();
  const select = $("site-select");
  select.querySelectorAll("option:not([value=''])").forEach((o) => o.remove());
  const rows = [];
  for (const f of state.sites.features) {
    state.layers.sites.addData(f);
    for (const zone of f.properties.zones || []) {
      state.layers.sites.addData({ type: "Feature", geometry: zone.geometry,
        properties: { zone: zone.name } });
    }
    const centre = L.geoJSON(f).getBounds().getCenter();
    const n = f.properties.open_alerts;
    if (n) {
      L.marker(centre, { icon: L.divIcon({ className: "", html: `<span class="alert-badge">${n}</span>` }) })
        .bindTooltip(`${esc(f.properties.name)}: ${n} open alert(s)`).addTo(state.layers.badges);
    }
    const option = document.createElement("option");
    option.value = f.id; option.textContent = f.properties.name; select.appendChild(option);
    rows.push(`<tr class="site-row" data-site="${esc(f.id)}"><td>${esc(f.properties.name)}</td>
      <td>${esc(f.properties.kind)}</td><td>${f.properties.chips} chips</td>
      <td><span class="badge ${n ? "" : "zero"}">${n}</span></td></tr>`);
  }
  $("watchlist").innerHTML = `<h2>Watchlist</h2><table data-testid="site-table"><tbody>${rows.join("")}</tbody></table>`;
  $("watchlist").querySelectorAll(".site-row").forEach((row) =>
    row.addEventListener("click", () => openSite(row.dataset.site)));
  if (state.sites.features.length) map.fitBounds(state.layers.sites.getBounds(), { maxZoom: 6 });
}

// -- a site ----------------------------------------------------------------------------

function chipLayer(chip, pane) {
  const [w, s, e, n] = chip.bounds;
  return L.tileLayer(chip.tiles, {
    pane, bounds: L.latLngBounds([s, w], [n, e]), maxZoom: 21, maxNativeZoom: 19,
    minZoom: 8, keepBuffer: 1,
  });
}

function showDates() {
  for (const key of ["beforeLayer", "afterLayer"]) {
    if (state[key]) { map.removeLayer(state[key]); state[key] = null; }
  }
  const after = state.chips[Number($("date-slider").value)];
  const before = state.chips.find((c) => c.scene === $("before-select").value);
  state.after = after; state.before = before;
  $("after-label").textContent = after ? after.datetime.slice(0, 10) : "";
  if (before) state.beforeLayer = chipLayer(before, "before").addTo(map);
  if (after) state.afterLayer = chipLayer(after, "after").addTo(map);
  $("swipe").hidden = !(before && after && before !== after);
  clipAfter();
  loadOverlays();
}

async function loadOverlays() {
  state.layers.change.clearLayers();
  state.layers.detections.clearLayers();
  const site = state.site;
  if (!site || !state.after) return;
  const scene = encodeURIComponent(state.after.scene);
  if ($("show-detections").checked && state.after.detections) {
    const fc = await api(`/api/sites/${site}/detections?scene=${scene}`);
    state.layers.detections.addData(fc);
  }
  const index = state.chips.indexOf(state.after);
  const previous = state.chips[index - 1];
  const pair = previous && state.pairs.find((p) => p.before === previous.scene &&
    p.after === state.after.scene && p.status === "ok");
  if ($("show-change").checked && pair) {
    const fc = await api(`/api/sites/${site}/change?before=${encodeURIComponent(pair.before)}&after=${scene}`);
    state.layers.change.addData(fc);
  }
}

async function openSite(siteId) {
  say("");
  if (!siteId) { $("site-view").hidden = true; $("watchlist").hidden = false; return; }
  state.site = siteId;
  $("site-select").value = siteId;
  const feature = state.sites.features.find((f) => f.id === siteId);
  $("site-title").textContent = feature ? feature.properties.name : siteId;
  $("watchlist").hidden = true;
  $("site-view").hidden = false;
  [state.chips, state.pairs, state.timeline] = await Promise.all([
    api(`/api/sites/${siteId}/chips`), api(`/api/sites/${siteId}/pairs`),
    api(`/api/sites/${siteId}/timeline`)]);
  const slider = $("date-slider");
  slider.max = Math.max(0, state.chips.length - 1);
  slider.value = slider.max;
  $("before-select").innerHTML = state.chips.map((c) =>
    `<option value="${esc(c.scene)}">${esc(c.datetime.slice(0, 10))} ${esc(c.platform || "")}</option>`).join("");
  if (state.chips.length) $("before-select").value = state.chips[0].scene;
  if (feature) map.fitBounds(L.geoJSON(feature).getBounds());
  showDates();
  drawChart();
  await Promise.all([loadAlerts(), loadClaims()]);
  if (!state.chips.length) say("no chips stored for this site yet: run it (`sitewatch run SITE`)");
}

$("site-select").addEventListener("change", (e) => openSite(e.target.value));
$("date-slider").addEventListener("input", showDates);
$("before-select").addEventListener("change", showDates);
$("show-change").addEventListener("change", loadOverlays);
$("show-detections").addEventListener("change", loadOverlays);

function jumpTo(startIso) {
  // An alert event: its first date after, the date before it as before.
  const index = state.chips.findIndex((c) => c.datetime >= startIso);
  if (index < 0) return;
  $("date-slider").value = index;
  $("before-select").value = state.chips[Math.max(0, index - 1)].scene;
  showDates();
}

// -- activity chart --------------------------------------------------------------------

function drawChart() {
  const figures = [...new Set(state.timeline.observations.map((o) => o.figure))].sort();
  const select = $("figure-select");
  const keep = select.value;
  select.innerHTML = figures.map((f) => `<option>${esc(f)}</option>`).join("");
  if (figures.includes(keep)) select.value = keep;
  else if (figures.includes("change_magnitude")) select.value = "change_magnitude";
  const figure = select.value;
  const obs = state.timeline.observations.filter((o) => o.figure === figure && !o.zone);
  const alerts = state.timeline.alerts.filter((a) => a.figure === figure);
  const points = obs.map((o) => ({ x: o.time.slice(0, 10), y: o.value }));
  const alertPoints = obs.filter((o) => alerts.some((a) => o.time >= a.start && o.time <= a.end))
    .map((o) => ({ x: o.time.slice(0, 10), y: o.value }));
  if (state.chart) state.chart.destroy();
  state.chart = null;
  $("chart").hidden = !obs.length;
  if (!obs.length) return;
  const unit = obs[0].unit ? ` (${obs[0].unit})` : "";
  state.chart = new Chart($("chart"), {
    type: "line",
    data: { datasets: [
      { label: `${figure}${unit}`, data: points, borderColor: "#34495e", pointRadius: 3 },
      { label: "alert", data: alertPoints, showLine: false, pointRadius: 7, pointBackgroundColor: "#c0392b", borderColor: "#c0392b" },
    ] },
    options: { animation: false, parsing: true, scales: { x: { type: "category", labels: points.map((p) => p.x) } },
      onClick: (event, elements) => {
        if (!elements.length) return;
        const p = event.chart.data.datasets[elements[0].datasetIndex].data[elements[0].index];
        jumpTo(p.x);
      } },
  });
}
$("figure-select").addEventListener("change", drawChart);

// -- alerts and claims -----------------------------------------------------------------

async function loadAlerts() {
  const alerts = await api(`/api/alerts?site=${encodeURIComponent(state.site)}`);
  $("alerts").querySelector("tbody").innerHTML = alerts.map((a) => `<tr data-alert="${a.id}">
    <td>${esc(a.start.slice(0, 10))}</td><td>${esc(a.severity)}</td><td>${esc(a.message)}</td>
    <td>${a.acknowledged ? "acknowledged" : `<button data-ack="${a.id}">acknowledge</button>`}</td>
    <td><button data-jump="${a.id}">show</button></td></tr>`).join("") ||
    "<tr><td>no alerts</td></tr>";
  $("alerts").querySelectorAll("button[data-ack]").forEach((b) => b.addEventListener("click", async () => {
    try {
      await api(`/api/alerts/${b.dataset.ack}/ack`, { method: "POST" });
      say(`alert ${b.dataset.ack} acknowledged`);
      await Promise.all([loadAlerts(), loadSites()]);
    } catch (err) { say(`cannot acknowledge: ${err.message}`); }
  }));
  $("alerts").querySelectorAll("button[data-jump]").forEach((b) => b.addEventListener("click", () => {
    const a = alerts.find((x) => String(x.id) === b.dataset.jump);
    jumpTo(a.start);
  }));
}

async function loadClaims() {
  const claims = await api(`/api/claims?site=${encodeURIComponent(state.site)}`);
  $("claims").querySelector("tbody").innerHTML = claims.map((c, i) => {
    const evidence = c.evidence || {};
    const seen = (evidence.observations || []).filter((o) => o.scene_id);
    return `<tr>
    <td>${esc(c.activity)}</td><td>${esc(c.window[0].slice(0, 10))} to ${esc(c.window[1].slice(0, 10))}</td>
    <td class="status-${esc((c.status || "").replace(/ /g, "-"))}"
      title="${esc((evidence.reasons || []).join("; "))}">${esc(c.status)}</td>
    <td title="${esc(c.sentence)}">${esc(c.source)}</td>
    <td>${seen.length ? `<button data-claim="${i}" title="the imagery behind this status">show</button>` : ""}</td></tr>`;
  }).join("") || "<tr><td>no claims about this site</td></tr>";
  $("claims").querySelectorAll("button[data-claim]").forEach((b) => b.addEventListener("click", () => {
    // The imagery behind the claim's status: the first date observed in its window.
    const o = claims[Number(b.dataset.claim)].evidence.observations.find((x) => x.scene_id);
    jumpTo(o.time);
    say((claims[Number(b.dataset.claim)].evidence.reasons || []).join("; ") || "no change seen in the window");
  }));
}

// A report to read: a file from this machine (PDF, HTML or text, sent as it is), a URL
// (the server fetches the page or PDF) or pasted text, with who published it when given
// (the claims' source for a file or text; a page's own URL stays its source).  Needs a token.
function reportRequest() {
  const publisher = $("claims-publisher").value.trim();
  const file = $("claims-file").files[0];
  if (file) {
    const by = publisher ? `&publisher=${encodeURIComponent(publisher)}` : "";
    return [`/api/claims/document?name=${encodeURIComponent(file.name)}${by}`,
      { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } }];
  }
  const value = $("claims-input").value.trim();
  if (!value) return null;
  const body = /^https?:\/\/\S+$/.test(value) ? { url: value } : { text: value };
  if (publisher) body.publisher = publisher;
  return ["/api/claims", { method: "POST", body }];
}

$("claims-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const request = reportRequest();
  if (!request) return;
  try {
    const claims = await api(...request);
    const here = claims.filter((c) => c.site_id === state.site).length;
    say(`${claims.length} claim(s) read, ${here} about this site`);
    $("claims-form").reset();
    await loadClaims();
  } catch (err) { say(`cannot read the report: ${err.message}`); }
});

// -- reach -------------------------------------------------------------------------------

$("reach-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const out = await api(`/api/sites/${state.site}/reach?range_km=${Number($("reach-km").value)}`);
    state.layers.reach.clearLayers();
    state.layers.reach.addData(out.ring);
    for (const t of out.targets || []) {
      state.layers.reach.addData({ type: "Feature", geometry: { type: "Point", coordinates: [t.lon, t.lat] },
        properties: { name: `${t.name} (${Math.round(t.distance_km)} km)` } });
    }
    const dc = out.washington;
    $("reach-summary").textContent = `${out.targets_in_range} target(s) in range of ${out.site_name}` +
      ` (${out.capitals_in_range} capitals); Washington ${Math.round(dc.distance_km)} km,` +
      ` ${dc.in_range ? "in range" : "out of range"}`;
    map.fitBounds(state.layers.reach.getBounds());
  } catch (err) { say(err.message); }
});

// -- start -------------------------------------------------------------------------------

$("token").value = sessionStorage.getItem("sitewatch-token") || "";
$("token").addEventListener("change", () => sessionStorage.setItem("sitewatch-token", token()));
loadSettings().then(loadSites).then(() => {
  const wanted = new URLSearchParams(location.search).get("site");
  if (wanted) openSite(wanted);
}).catch((err) => say(err.message));
