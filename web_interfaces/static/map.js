// The map page: every published layer (GET /api/maps/layers), drawn with MapLibre GL JS
// from the app's own static files. Vector tables open with their curated style and legend
// when they have one, a plain style otherwise; H3 aggregations with their style by one
// statistic (a colour ramp); rasters and STAC collections as raster tiles.
// A click shows the feature's properties; the quality report needs a reader key (api-key.js).
import * as maplibregl from "./vendor/maplibre-gl-6.20.0/maplibre-gl.mjs";

const BLANK = { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#eef2f3" } }] };
const COLOUR = "#0969da";
const RAMPS = { dem: ["#33a02c", "#ffff99", "#b15928", "#ffffff"], continuous: ["#440154", "#21918c", "#fde725"] };
const el = (id) => document.getElementById(id);
const state = { layers: [], current: null, added: { layers: [], sources: [] }, clickable: [] };

const map = new maplibregl.Map({ container: "map", style: BLANK, center: [0, 20], zoom: 1, attributionControl: false });
map.addControl(new maplibregl.NavigationControl(), "top-right");
window.geoetlMap = map;   // for tests and the console: the page has no other global

function say(text) { el("map-message").textContent = text; }

async function json(url) {
  const response = await window.geoetlFetch(url);
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) { throw new Error((body && body.detail) || response.statusText); }
  return body;
}

function clear() {
  state.added.layers.forEach((id) => { if (map.getLayer(id)) { map.removeLayer(id); } });
  state.added.sources.forEach((id) => { if (map.getSource(id)) { map.removeSource(id); } });
  state.added = { layers: [], sources: [] };
  state.clickable = [];
  el("feature").hidden = true;
  el("report-body").hidden = true;
  el("legend").replaceChildren();
}

function addSource(id, source) { map.addSource(id, source); state.added.sources.push(id); }
function addLayer(layer, clickable) {
  map.addLayer(layer);
  state.added.layers.push(layer.id);
  if (clickable) { state.clickable.push(layer.id); }
}

function legendRow(colour, label) {
  const row = document.createElement("div");
  row.className = "legend-row";
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = colour;
  row.append(swatch, document.createTextNode(label));
  el("legend").append(row);
}

function legendRamp(colours, label) {
  const ramp = document.createElement("div");
  ramp.className = "ramp";
  ramp.style.background = "linear-gradient(to right, " + colours.join(", ") + ")";
  const caption = document.createElement("div");
  caption.className = "legend-row";
  caption.textContent = label;
  el("legend").append(ramp, caption);
}

function plainVector(layer) {
  const source = "layer-" + layer.id;
  const sourceLayer = "geo." + layer.id;
  addSource(source, { type: "vector", url: layer.tilejson });
  const kind = (layer.geometry_type || "").toLowerCase();
  const common = { source: source, "source-layer": sourceLayer };
  if (kind.includes("polygon") || kind === "geometry") {
    addLayer({ id: source + "-fill", type: "fill", ...common, filter: ["==", ["geometry-type"], "Polygon"],
               paint: { "fill-color": COLOUR, "fill-opacity": 0.35 } }, true);
    addLayer({ id: source + "-outline", type: "line", ...common, filter: ["==", ["geometry-type"], "Polygon"],
               paint: { "line-color": COLOUR, "line-width": 1 } }, false);
  }
  if (kind.includes("line") || kind === "geometry") {
    addLayer({ id: source + "-line", type: "line", ...common, filter: ["==", ["geometry-type"], "LineString"],
               paint: { "line-color": COLOUR, "line-width": 2 } }, true);
  }
  if (kind.includes("point") || kind === "geometry") {
    addLayer({ id: source + "-point", type: "circle", ...common, filter: ["==", ["geometry-type"], "Point"],
               paint: { "circle-color": COLOUR, "circle-radius": 4, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } }, true);
  }
  legendRow(COLOUR, layer.title);
}

async function styledVector(layer) {
  const style = await json(layer.style);
  Object.entries(style.sources).forEach(([id, source]) => addSource(id, source));
  style.layers.filter((l) => l.type !== "background").forEach((l) => addLayer(l, l.type !== "line"));
  const meta = style.metadata || {};
  (meta["geoetl:legend"] || []).forEach((entry) => legendRow(entry.color, entry.label + " (" + entry.value + ")"));
  el("current-facts").textContent += " · styled by " + meta["geoetl:property"];
}

async function rasterLayer(layer) {
  const source = "layer-" + layer.kind + "-" + layer.id;
  addSource(source, { type: "raster", url: layer.tilejson, tileSize: 256 });
  addLayer({ id: source, type: "raster", source: source, paint: { "raster-opacity": 0.9 } }, false);
  const kind = layer.raster_type || (layer.kind === "collection" ? "mosaic" : "raster");
  if (RAMPS[kind]) {
    const info = await json(layer.detail);
    const stats = (info.metadata.band_statistics || [])[0] || {};
    const range = "minimum" in stats ? ": " + stats.minimum.toFixed(1) + " … " + stats.maximum.toFixed(1) : "";
    legendRamp(RAMPS[kind], kind + range);
  } else {
    legendRow("#999", kind === "categorical" ? "classes in their own colours" : kind + ", colours as stored");
  }
}

function describe(layer) {
  el("current").hidden = false;
  el("current-title").textContent = layer.title;
  const facts = [layer.kind, layer.geometry_type, layer.raster_type,
                 layer.feature_count != null ? layer.feature_count.toLocaleString() + " features" : null];
  el("current-facts").textContent = facts.filter(Boolean).join(" · ");
  const links = el("current-links");
  links.replaceChildren();
  [["details", layer.detail], ["features", layer.features], ["TileJSON", layer.tilejson]].forEach(([label, href]) => {
    if (!href) { return; }
    const a = document.createElement("a");
    a.href = href; a.textContent = label; a.target = "_blank"; a.rel = "noopener";
    links.append(a, document.createTextNode(" "));
  });
  el("report").hidden = !layer.report;
}

async function show(layer) {
  clear();
  state.current = layer;
  el("map").dataset.ready = "";
  document.querySelectorAll(".layer").forEach((b) => b.classList.toggle("active", b.dataset.key === layer.key));
  history.replaceState(null, "", "?layer=" + encodeURIComponent(layer.key));
  describe(layer);
  say("");
  try {
    if (layer.kind === "vector" || layer.kind === "h3") { await (layer.style ? styledVector(layer) : plainVector(layer)); }
    else { await rasterLayer(layer); }
  } catch (error) { say("could not open " + layer.title + ": " + error.message); }
  if (layer.bbox) {
    map.fitBounds([[layer.bbox[0], layer.bbox[1]], [layer.bbox[2], layer.bbox[3]]], { padding: 30, maxZoom: 14, duration: 0 });
  }
  map.once("idle", () => { el("map").dataset.ready = layer.key; });
}

function listLayers() {
  const filter = el("layer-filter").value.toLowerCase();
  const groups = { vector: "Tables", h3: "H3 aggregations", raster: "Rasters", collection: "STAC collections" };
  const container = el("layers");
  container.replaceChildren();
  Object.entries(groups).forEach(([kind, title]) => {
    const found = state.layers.filter((l) => l.kind === kind && (l.title + l.id).toLowerCase().includes(filter));
    if (!found.length) { return; }
    const group = document.createElement("div");
    group.className = "layer-group";
    const heading = document.createElement("h3");
    heading.textContent = title;
    group.append(heading);
    found.forEach((layer) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "layer" + (state.current && state.current.key === layer.key ? " active" : "");
      button.dataset.key = layer.key;
      button.dataset.testid = "layer";
      button.textContent = layer.title;
      const small = document.createElement("small");
      small.textContent = layer.id + (layer.style ? " · styled" : "");
      button.append(small);
      button.addEventListener("click", () => show(layer));
      group.append(button);
    });
    container.append(group);
  });
  if (!container.children.length) { container.textContent = "no layers yet: load a file and it appears here"; }
}

function showFeature(feature) {
  el("feature").hidden = false;
  el("feature-id").textContent = feature.id != null ? "#" + feature.id : "";
  const table = el("feature-properties");
  table.replaceChildren();
  Object.entries(feature.properties).forEach(([key, value]) => {
    const row = table.insertRow();
    row.insertCell().textContent = key;
    row.insertCell().textContent = value;
  });
}

map.on("click", (event) => {
  if (!state.clickable.length) { return; }
  const hits = map.queryRenderedFeatures(event.point, { layers: state.clickable.filter((id) => map.getLayer(id)) });
  if (hits.length) { showFeature(hits[0]); } else { el("feature").hidden = true; }
});

el("layer-filter").addEventListener("input", listLayers);
el("report").addEventListener("click", async () => {
  const body = el("report-body");
  body.hidden = false;
  try { body.textContent = JSON.stringify(await json(state.current.report), null, 2); }
  catch (error) { body.textContent = "could not read the report: " + error.message; }
});

map.on("load", async () => {
  try { state.layers = (await json("/api/maps/layers")).map((l) => ({ ...l, key: l.kind + ":" + l.id })); }
  catch (error) { say("could not list the layers: " + error.message); return; }
  listLayers();
  const wanted = new URLSearchParams(location.search).get("layer");
  if (wanted) {
    const layer = state.layers.find((l) => l.key === wanted);
    if (layer) { show(layer); } else { say("no layer " + wanted + " (yet): it appears once its job has published it"); }
  }
});
