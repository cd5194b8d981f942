// The pipeline builder: a palette of steps dragged (SortableJS) into ordered stage lanes,
// a form per stage generated from its step's JSON Schema, run parameters, a JSON view
// that round-trips with the lanes, and the API calls: validate, save a version (with its
// diff), preview the plan, run. The server validates with the models the engine runs;
// the page shows its problems next to the fields they name.
(function () {
  "use strict";
  const F = window.GeoForm;
  const el = F.el;
  const RESERVED = ["scheduled_for", "replace_owned_by_other"];
  const PARAM_TYPES = ["string", "integer", "number", "boolean", "array", "object"];
  const state = { steps: {}, groups: [], planners: {}, definition: blank(), saved: null };

  function blank() { return { description: "", parameters: {}, stages: [] }; }
  function $(id) { return document.getElementById(id); }

  function status(text) { $("status").textContent = text; }

  async function api(method, url, body) {
    const options = { method: method, headers: {} };
    if (body !== undefined) { options.body = JSON.stringify(body); options.headers["content-type"] = "application/json"; }
    const response = await window.geoetlFetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data: data };
  }

  // -- loading ----------------------------------------------------------------------

  async function load() {
    const [steps, templates, pipelines] = await Promise.all([api("GET", "/api/pipelines/steps"),
      api("GET", "/api/pipelines/templates"), api("GET", "/api/pipelines")]);
    if (!steps.ok) { status(steps.status === 401 ? "enter an API key (reader or higher)" : "steps: " + detail(steps)); return; }
    state.groups = steps.data.groups;
    state.steps = Object.fromEntries(steps.data.steps.map(function (s) { return [s.step, s]; }));
    state.planners = Object.fromEntries(steps.data.planners.map(function (p) { return [p.name, p]; }));
    renderPalette();
    fillOpen(templates.ok ? templates.data : [], pipelines.ok ? pipelines.data : []);
    render();
  }

  function detail(response) { return (response.data && response.data.detail) || ("HTTP " + response.status); }

  function renderPalette() {
    const holder = $("palette-groups");
    holder.replaceChildren();
    state.groups.forEach(function (group) {
      const steps = Object.values(state.steps).filter(function (s) { return s.group === group; });
      if (!steps.length) { return; }
      const list = el("ul", { class: "palette-list", dataset: { group: group } }, steps.map(function (s) {
        return el("li", { class: "palette-step" + (s.min_role === "admin" ? " admin-only" : ""), "data-testid": "palette-step",
                          dataset: { step: s.step }, title: s.description }, [s.title, el("small", { text: s.step })]);
      }));
      holder.append(el("h3", { text: group }), list);
      window.Sortable.create(list, { group: { name: "steps", pull: "clone", put: false }, sort: false, forceFallback: true });
    });
    filterPalette();
  }

  function filterPalette() {
    const words = $("step-search").value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll(".palette-step").forEach(function (item) {
      const s = state.steps[item.dataset.step];
      const text = (s.step + " " + s.title + " " + s.description + " " + s.group).toLowerCase();
      item.hidden = !words.every(function (w) { return text.includes(w); });
    });
  }

  function fillOpen(templates, pipelines) {
    const select = $("open");
    select.replaceChildren(el("option", { value: "", text: "new pipeline" }),
      el("optgroup", { label: "saved" }, pipelines.map(function (p) {
        return el("option", { value: "p:" + p.name, text: p.name + " (v" + p.version + ")" });
      })),
      el("optgroup", { label: "ready-made (copy)" }, templates.map(function (t) {
        return el("option", { value: "t:" + t.name, text: t.name });
      })));
    select.dataset.templates = JSON.stringify(Object.fromEntries(templates.map(function (t) { return [t.name, t.definition]; })));
  }

  async function open() {
    const choice = $("open").value;
    state.saved = null;
    if (choice.startsWith("p:")) {
      const response = await api("GET", "/api/pipelines/" + encodeURIComponent(choice.slice(2)));
      if (!response.ok) { status(detail(response)); return; }
      useSaved(response.data);
    } else if (choice.startsWith("t:")) {
      state.definition = JSON.parse($("open").dataset.templates)[choice.slice(2)];
      $("pipeline-name").value = choice.slice(2) + "_copy";
    } else {
      state.definition = blank();
      $("pipeline-name").value = "";
    }
    clearProblems();
    render();
  }

  function useSaved(view) {
    state.saved = view;
    state.definition = view.definition;
    $("pipeline-name").value = view.name;
    renderRunForm(view.run_parameters_schema);
  }

  // -- rendering --------------------------------------------------------------------

  function render() {
    const d = state.definition;
    $("description").value = d.description || "";
    $("cron").value = (d.schedule && d.schedule.cron) || "";
    renderParams();
    renderLanes();
    renderJSON();
  }

  function changed() { renderJSON(); markRequired(); }

  function renderJSON() { $("json").value = JSON.stringify(state.definition, null, 2); $("json-error").textContent = ""; }

  function renderParams() {
    const holder = $("params");
    holder.replaceChildren(...Object.entries(state.definition.parameters || {}).map(function ([name, spec]) {
      return paramRow(name, spec);
    }));
  }

  function paramRow(name, spec) {
    const row = el("div", { class: "param-row", "data-testid": "param-row", dataset: { field: "parameters." + name } });
    const nameInput = el("input", { value: name, "data-testid": "param-name", size: 14, autocomplete: "off" });
    nameInput.addEventListener("change", function () { renameParam(name, nameInput.value.trim()); });
    const type = el("select", { "data-testid": "param-type" }, PARAM_TYPES.map(function (t) { return el("option", { value: t, text: t }); }));
    type.value = spec.type;
    type.addEventListener("change", function () { spec.type = type.value; delete spec.default; renderParams(); changed(); });
    const required = el("input", { type: "checkbox", "data-testid": "param-required" });
    required.checked = Boolean(spec.required);
    required.addEventListener("change", function () { spec.required = required.checked || undefined; changed(); });
    const fallback = F.valueWidget({ type: spec.type }, {}, spec.default, function (v) {
      if (v === undefined) { delete spec.default; } else { spec.default = v; }
      changed();
    }, "param-default");
    const remove = el("button", { type: "button", text: "✕", title: "remove", onclick: function () {
      delete state.definition.parameters[name]; renderParams(); changed();
    } });
    row.append(nameInput, type, el("label", {}, [required, " required"]), el("span", { class: "muted", text: "default" }), fallback,
               remove, el("span", { class: "field-error" }));
    return row;
  }

  function renameParam(from, to) {
    if (!to || to === from) { return; }
    const params = state.definition.parameters;
    state.definition.parameters = Object.fromEntries(Object.entries(params).map(function ([k, v]) { return [k === from ? to : k, v]; }));
    renderParams();
    renderLanes();
    changed();
  }

  function addParam() {
    const params = state.definition.parameters = state.definition.parameters || {};
    let n = Object.keys(params).length + 1;
    while (params["param" + n]) { n += 1; }
    params["param" + n] = { type: "string" };
    renderParams();
    changed();
  }

  function renderLanes() {
    $("lanes").replaceChildren(...state.definition.stages.map(function (stage, index) { return lane(stage, index); }));
    markRequired();
  }

  function lane(stage, index) {
    const step = state.steps[stage.step];
    const item = el("li", { class: "lane", "data-testid": "lane", dataset: { index: String(index), stage: stage.name } });
    const name = el("input", { class: "stage-name", value: stage.name, "data-testid": "stage-name", autocomplete: "off" });
    name.addEventListener("change", function () { stage.name = name.value.trim(); item.dataset.stage = stage.name; changed(); });
    const remove = el("button", { type: "button", class: "remove", text: "✕", title: "remove stage", "data-testid": "remove-stage",
                                  onclick: function () { state.definition.stages.splice(index, 1); renderLanes(); changed(); } });
    item.append(el("header", {}, [el("span", { class: "handle", text: "⠿", title: "drag to reorder" }), name,
                                  el("code", { text: stage.step, dataset: { field: "stages." + index + ".step" } }), remove]));
    if (!step) {
      item.append(el("p", { class: "error", text: "unknown step " + stage.step }));
      return item;
    }
    item.append(el("p", { class: "muted", text: step.description }), fanOutRow(stage, index, step), inputsBlock(stage, index, step),
                advanced(stage, index));
    return item;
  }

  function fanOutRow(stage, index, step) {
    const row = el("div", { class: "row" });
    const fan = el("select", { "data-testid": "fan-out", dataset: { field: "stages." + index + ".fan_out" } },
      ["single", "per_item", "fan_in"].map(function (f) { return el("option", { value: f, text: f }); }));
    fan.value = stage.fan_out || "single";
    fan.addEventListener("change", function () {
      stage.fan_out = fan.value;
      if (fan.value !== "per_item") { delete stage.items; }
      if (fan.value !== "fan_in") { delete stage.source; }
      renderLanes(); changed();
    });
    row.append(el("label", {}, ["fan-out ", fan]));
    if (stage.fan_out === "per_item") { row.append(itemsChoice(stage, index, step)); }
    if (stage.fan_out === "fan_in") { row.append(sourceChoice(stage, index)); }
    const when = el("input", { value: stage.when || "", placeholder: "{{ params.flag }}", size: 24, "data-testid": "when" });
    when.addEventListener("change", function () { if (when.value.trim()) { stage.when = when.value.trim(); } else { delete stage.when; } changed(); });
    row.append(el("label", { dataset: { field: "stages." + index + ".when" } }, ["run when ", when]));
    return row;
  }

  function itemsChoice(stage, index, step) {
    const options = itemSources(index, step);
    const current = stage.items === undefined ? "" : JSON.stringify(stage.items);
    if (current && !options.some(function (o) { return o[0] === current; })) { options.unshift([current, current]); }
    const select = el("select", { "data-testid": "items" }, [el("option", { value: "", text: "choose a list…" })].concat(
      options.map(function ([value, text]) { return el("option", { value: value, text: text }); })));
    select.value = current;
    select.addEventListener("change", function () {
      if (select.value) { stage.items = JSON.parse(select.value); } else { delete stage.items; }
      renderLanes(); changed();
    });
    return el("label", { dataset: { field: "stages." + index + ".items" } }, ["over ", select]);
  }

  // What a per_item stage may fan out over: list parameters, ranges, earlier results and lists, planners.
  function itemSources(index, step) {
    const found = [];
    Object.entries(state.definition.parameters || {}).forEach(function ([name, spec]) {
      if (spec.type === "array") { found.push(["{{ params." + name + " }}", "parameter " + name]); }
      if (spec.type === "integer") { found.push([{ range: "{{ params." + name + " }}" }, "0 … parameter " + name + " − 1"]); }
    });
    state.definition.stages.slice(0, index).forEach(function (earlier) {
      const spec = state.steps[earlier.step];
      found.push(["{{ stages." + earlier.name + ".results }}", "each result of " + earlier.name]);
      if (spec) {
        F.listPaths(spec.outputs_schema, spec.outputs_schema, "", 2).forEach(function (path) {
          found.push(["{{ stages." + earlier.name + ".output." + path + " }}", earlier.name + " → " + path]);
        });
      }
    });
    step.planners.forEach(function (p) { found.push([{ planner: p }, "planner " + p]); });
    return found.map(function ([value, text]) { return [JSON.stringify(value), text]; });
  }

  function sourceChoice(stage, index) {
    const names = state.definition.stages.slice(0, index).map(function (s) { return s.name; });
    const select = el("select", { "data-testid": "source" }, [el("option", { value: "", text: "choose…" })].concat(
      names.map(function (n) { return el("option", { value: n, text: n }); })));
    select.value = stage.source || "";
    select.addEventListener("change", function () { if (select.value) { stage.source = select.value; } else { delete stage.source; } changed(); });
    return el("label", { dataset: { field: "stages." + index + ".source" } }, ["reading ", select]);
  }

  function inputsBlock(stage, index, step) {
    const block = el("div", { class: "inputs-block" });
    if (stage.fan_out === "per_item") {
      const whole = el("select", { "data-testid": "inputs-mode" }, [el("option", { value: "fields", text: "field by field" }),
                                                                     el("option", { value: "item", text: "each item as a whole" })]);
      whole.value = typeof stage.inputs === "string" ? "item" : "fields";
      whole.addEventListener("change", function () { stage.inputs = whole.value === "item" ? "{{ item }}" : {}; renderLanes(); changed(); });
      block.append(el("label", { class: "row" }, ["inputs: ", whole]));
    }
    if (typeof stage.inputs === "string") {
      block.append(el("p", { class: "muted", dataset: { field: "stages." + index + ".inputs" }, text: "inputs = " + stage.inputs }));
      return block;
    }
    stage.inputs = stage.inputs || {};
    const schema = step.inputs_schema;
    const required = new Set(schema.required || []);
    const choices = bindingChoices(stage, index);
    const grid = el("div", { class: "inputs" });
    Object.entries(schema.properties || {}).forEach(function ([name, fieldSchema]) {
      if (name === "source_stage" && stage.fan_out === "fan_in") { return; }
      grid.append(F.bindingControl({ name: name, path: "stages." + index + ".inputs." + name }, fieldSchema, schema,
        required.has(name) && !step.admin_only_inputs.includes(name), stage.inputs[name], choices, function (value) {
          if (value === undefined) { delete stage.inputs[name]; } else { stage.inputs[name] = value; }
          changed();
        }));
    });
    block.append(grid);
    return block;
  }

  function bindingChoices(stage, index) {
    const params = Object.keys(state.definition.parameters || {}).concat(RESERVED).map(function (n) { return "{{ params." + n + " }}"; });
    const outputs = [];
    state.definition.stages.slice(0, index).forEach(function (earlier) {
      const spec = state.steps[earlier.step];
      if (!spec || earlier.fan_out === "per_item") { return; }
      Object.keys(F.propertiesOf(spec.outputs_schema, spec.outputs_schema)).forEach(function (p) {
        outputs.push("{{ stages." + earlier.name + ".output." + p + " }}");
      });
    });
    const item = stage.fan_out === "per_item" ? ["{{ item }}"].concat(itemFields(stage, index)) : null;
    return { param: params, output: outputs, item: item };
  }

  function itemFields(stage, index) {
    const ref = typeof stage.items === "string" ? stage.items.match(/stages\.([a-z0-9_]+)\.(output|results)\.?([A-Za-z0-9_.]*)/) : null;
    const earlier = ref && state.definition.stages.slice(0, index).find(function (s) { return s.name === ref[1]; });
    const spec = earlier && state.steps[earlier.step];
    if (!spec) { return []; }
    let schema = spec.outputs_schema;
    if (ref[2] === "output") {
      ref[3].split(".").forEach(function (part) { schema = F.propertiesOf(schema, spec.outputs_schema)[part] || {}; });
      schema = F.deref((F.deref(schema, spec.outputs_schema).anyOf || [schema]).find(function (b) { return b.items; }) || schema,
                       spec.outputs_schema).items || {};
    }
    return Object.keys(F.propertiesOf(schema, spec.outputs_schema)).map(function (p) { return "{{ item." + p + " }}"; });
  }

  function advanced(stage, index) {
    function number(label, key, read, write) {
      const input = el("input", { type: "number", value: read() === undefined ? "" : read(), step: "any", size: 6, "data-testid": key });
      input.addEventListener("change", function () { write(input.value === "" ? undefined : Number(input.value)); changed(); });
      return el("label", { dataset: { field: "stages." + index + "." + key } }, [label + " ", input]);
    }
    function set(key) { return function (v) { if (v === undefined) { delete stage[key]; } else { stage[key] = v; } }; }
    return el("details", {}, [el("summary", { text: "concurrency, timeout, retries" }), el("div", { class: "row" }, [
      number("max concurrency", "max_concurrency", function () { return stage.max_concurrency; }, set("max_concurrency")),
      number("timeout (s)", "timeout_seconds", function () { return stage.timeout_seconds; }, set("timeout_seconds")),
      number("tries", "retry.max_tries", function () { return (stage.retry || {}).max_tries; }, function (v) {
        stage.retry = Object.assign({}, stage.retry || {});
        if (v === undefined) { delete stage.retry.max_tries; } else { stage.retry.max_tries = v; }
      }),
      number("tolerated failure share", "tolerate_failure_share", function () { return stage.tolerate_failure_share; },
             set("tolerate_failure_share")),
    ])]);
  }

  // -- drag and drop ---------------------------------------------------------------

  function newStage(stepName) {
    const base = stepName.split(".").pop().replace(/[^a-z0-9_]/g, "_");
    const taken = new Set(state.definition.stages.map(function (s) { return s.name; }));
    let name = base;
    for (let n = 2; taken.has(name); n += 1) { name = base + "_" + n; }
    return { name: name, step: stepName, inputs: {} };
  }

  function enableLanes() {
    window.Sortable.create($("lanes"), {
      group: { name: "steps", put: true }, handle: ".handle", forceFallback: true, animation: 120,
      onAdd: function (event) {
        const step = event.item.dataset.step;
        event.item.remove();
        state.definition.stages.splice(event.newIndex, 0, newStage(step));
        renderLanes(); changed();
      },
      onUpdate: function (event) {
        const [moved] = state.definition.stages.splice(event.oldIndex, 1);
        state.definition.stages.splice(event.newIndex, 0, moved);
        renderLanes(); changed();
      },
    });
  }

  // -- problems ---------------------------------------------------------------------

  function clearProblems() {
    $("problems").replaceChildren();
    document.querySelectorAll(".invalid").forEach(function (n) { n.classList.remove("invalid"); });
    document.querySelectorAll(".field-error").forEach(function (n) { n.textContent = ""; });
  }

  // Required inputs left unbound, marked as the user builds (the server checks everything).
  function markRequired() {
    document.querySelectorAll(".input-binding").forEach(function (row) {
      const unset = row.querySelector(".mode").value === "" && row.querySelector(".req");
      row.classList.toggle("invalid", Boolean(unset));
      row.querySelector(".field-error").textContent = unset ? "required" : "";
    });
  }

  function showProblems(errors) {
    clearProblems();
    (errors || []).forEach(function (error) {
      const target = fieldElement(error.field || "");
      if (target) {
        target.classList.add("invalid");
        const slot = target.querySelector(".field-error");
        if (slot) { slot.textContent = error.message; return; }
      }
      $("problems").append(el("li", { "data-testid": "problem", text: (error.field || "") + ": " + error.message }));
    });
  }

  function fieldElement(path) {
    const parts = path.split(".");
    while (parts.length) {
      const found = document.querySelector('[data-field="' + CSS.escape(parts.join(".")) + '"]');
      if (found) { return found; }
      parts.pop();
    }
    return null;
  }

  // -- API actions -------------------------------------------------------------------

  function definitionToSend() {
    const d = state.definition;
    d.description = $("description").value;
    const cron = $("cron").value.trim();
    if (cron) { d.schedule = Object.assign({ parameters: {} }, d.schedule || {}, { cron: cron }); } else { delete d.schedule; }
    return d;
  }

  async function validate() {
    const response = await api("POST", "/api/pipelines/validate", definitionToSend());
    if (response.ok) { clearProblems(); status("valid · runs as " + response.data.run_role); renderRunForm(response.data.run_parameters_schema); }
    else { problemsOf(response); }
  }

  function problemsOf(response) {
    const errors = (response.data && response.data.errors) || [];
    showProblems(errors);
    status(errors.length ? errors.length + " problem(s): see the highlighted fields" : detail(response));
  }

  async function save() {
    const name = $("pipeline-name").value.trim();
    if (!name) { status("give the pipeline a name"); $("pipeline-name").classList.add("invalid"); return; }
    $("pipeline-name").classList.remove("invalid");
    const response = await api("PUT", "/api/pipelines/" + encodeURIComponent(name), definitionToSend());
    if (!response.ok) { problemsOf(response); return; }
    clearProblems();
    useSaved(response.data.pipeline);
    renderJSON();
    status(response.data.created ? "saved version " + response.data.pipeline.version : "unchanged: version " + response.data.pipeline.version);
    $("diff").textContent = response.data.diff.join("\n");
    $("diff-panel").hidden = !response.data.diff.length;
  }

  function renderRunForm(schema) {
    const form = $("run-form");
    const required = new Set(schema.required || []);
    form.replaceChildren();
    form.runValues = {};
    Object.entries(schema.properties || {}).forEach(function ([name, field]) {
      if (RESERVED.includes(name)) { return; }
      form.append(el("label", { text: name + (required.has(name) ? " *" : "") }),
                  F.valueWidget(field, schema, undefined, function (v) {
                    if (v === undefined) { delete form.runValues[name]; } else { form.runValues[name] = v; }
                  }, "run-" + name));
    });
    if (!form.children.length) { form.append(el("p", { class: "muted", text: "no run parameters" })); }
  }

  function runBody() {
    return { parameters: $("run-form").runValues || {}, version: state.saved ? state.saved.version : undefined };
  }

  async function preview() {
    if (!state.saved) { status("save the pipeline first"); return; }
    const response = await api("POST", "/api/pipelines/" + state.saved.name + "/plan", runBody());
    if (!response.ok) { problemsOf(response); return; }
    const rows = response.data.stages.map(function (s) {
      return el("tr", { "data-testid": "plan-row", dataset: { stage: s.name, status: s.status } }, [
        el("td", { text: String(s.stage) }), el("td", { text: s.name }), el("td", { "data-testid": "plan-tasks", text: s.tasks === null ? "?" : String(s.tasks) }),
        el("td", { text: s.status }), el("td", { text: s.basis + (s.error ? " — " + s.error : "") })]);
    });
    $("plan").querySelector("tbody").replaceChildren(...rows);
    $("plan").hidden = false;
    status("plan: " + (response.data.total_tasks === null ? "some counts known only after earlier stages run" : response.data.total_tasks + " tasks"));
  }

  async function run() {
    if (!state.saved) { status("save the pipeline first"); return; }
    const response = await api("POST", "/api/pipelines/" + state.saved.name + "/run", runBody());
    if (!response.ok) { problemsOf(response); return; }
    const link = $("run-link");
    link.href = "/api/interface/pipelines/runs/" + response.data.job_id;
    link.textContent = "open run " + response.data.job_id.slice(0, 8) + (response.data.created ? "" : " (already submitted)");
    link.hidden = false;
    status("run " + response.data.status);
  }

  function fromJSON() {
    try {
      const parsed = JSON.parse($("json").value);
      if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.stages)) { throw new Error("a definition is an object with a stages list"); }
      state.definition = parsed;
      $("json-error").textContent = "";
      $("description").value = parsed.description || "";
      $("cron").value = (parsed.schedule && parsed.schedule.cron) || "";
      renderParams();
      renderLanes();
    } catch (error) {
      $("json-error").textContent = error.message;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableLanes();
    $("step-search").addEventListener("input", filterPalette);
    $("open").addEventListener("change", open);
    $("add-param").addEventListener("click", addParam);
    $("validate").addEventListener("click", validate);
    $("save").addEventListener("click", save);
    $("preview").addEventListener("click", preview);
    $("run").addEventListener("click", run);
    $("json").addEventListener("input", fromJSON);
    $("description").addEventListener("change", function () { state.definition.description = $("description").value; renderJSON(); });
    document.body.addEventListener("geoetl:key", load);
    render();
    load();
  });
})();
