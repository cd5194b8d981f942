// Forms generated from JSON Schema for the pipeline builder: a value widget per schema
// type (enum, boolean, number, text, JSON), and the binding control of a step input
// (constant, run parameter, earlier output, item). Built with DOM calls only: no
// innerHTML, no eval (the Content-Security-Policy forbids it; names come from users).
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === undefined || value === null || value === false) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "dataset") { Object.assign(node.dataset, value); }
      else if (key.startsWith("on")) { node.addEventListener(key.slice(2), value); }
      else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  // -- JSON Schema (pydantic's: local $refs, anyOf for optional fields) -------------

  function deref(schema, root) {
    const ref = schema && schema.$ref;
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) { return (root.$defs || {})[ref.split("/").pop()] || {}; }
    return schema || {};
  }

  function branches(schema, root) {
    schema = deref(schema, root);
    const options = schema.anyOf || schema.oneOf;
    if (!options) { return [schema]; }
    return options.flatMap(function (o) { return branches(o, root); }).filter(function (b) { return b.type !== "null"; });
  }

  function typesOf(schema, root) {
    const found = new Set();
    branches(schema, root).forEach(function (b) {
      if (typeof b.type === "string") { found.add(b.type); }
      else if (Array.isArray(b.type)) { b.type.forEach(function (t) { found.add(t); }); }
      else if (b.properties) { found.add("object"); }
      else if (b.enum) { found.add(typeof b.enum[0] === "string" ? "string" : "number"); }
    });
    return found;
  }

  function enumOf(schema, root) {
    const withEnum = branches(schema, root).find(function (b) { return Array.isArray(b.enum); });
    return withEnum ? withEnum.enum : null;
  }

  function propertiesOf(schema, root) {
    const found = branches(schema, root).find(function (b) { return b.properties; });
    return found ? found.properties : {};
  }

  // Paths to lists inside a schema, for per_item fan-out choices (a few levels deep).
  function listPaths(schema, root, prefix, depth) {
    let paths = [];
    Object.entries(propertiesOf(schema, root)).forEach(function ([name, inner]) {
      const path = prefix ? prefix + "." + name : name;
      if (typesOf(inner, root).has("array")) { paths.push(path); }
      if (depth > 0) { paths = paths.concat(listPaths(inner, root, path, depth - 1)); }
    });
    return paths;
  }

  // -- value widgets --------------------------------------------------------------

  // A constant value for a schema: enum → select, boolean → true/false, numbers, text, or JSON.
  function valueWidget(schema, root, value, onChange, testid) {
    const types = typesOf(schema, root);
    const choices = enumOf(schema, root);
    if (choices || (types.size === 1 && types.has("boolean"))) {
      const values = choices || [true, false];
      const select = el("select", { "data-testid": testid }, [el("option", { value: "", text: "—" })].concat(
        values.map(function (v) { return el("option", { value: JSON.stringify(v), text: String(v) }); })));
      select.value = value === undefined ? "" : JSON.stringify(value);
      select.addEventListener("change", function () { onChange(select.value === "" ? undefined : JSON.parse(select.value)); });
      return select;
    }
    const numeric = types.size > 0 && [...types].every(function (t) { return t === "integer" || t === "number"; });
    const plain = numeric || (types.size === 1 && types.has("string"));
    const input = el("input", { type: numeric ? "number" : "text", "data-testid": testid, autocomplete: "off",
                                step: numeric && !types.has("number") ? "1" : "any",
                                placeholder: plain ? "" : "JSON, e.g. [\"a\"] or {\"k\": 1}" });
    input.value = value === undefined ? "" : (typeof value === "string" && !numeric ? value : JSON.stringify(value));
    input.addEventListener("change", function () {
      input.classList.remove("invalid");
      if (input.value === "") { onChange(undefined); return; }
      if (numeric) { onChange(Number(input.value)); return; }
      if (plain) { onChange(input.value); return; }
      try { onChange(JSON.parse(input.value)); } catch (e) { onChange(input.value); }
    });
    return input;
  }

  // -- bindings of a step input ---------------------------------------------------

  const WHOLE = /^\s*\{\{\s*([A-Za-z0-9_.]+)\s*\}\}\s*$/;

  function modeOf(value) {
    if (value === undefined) { return ""; }
    const match = typeof value === "string" && value.match(WHOLE);
    if (!match) { return "constant"; }
    const root = match[1].split(".")[0];
    return { params: "param", stages: "output", item: "item" }[root] || "constant";
  }

  // choices: {param: [refs], output: [refs], item: [refs] or null}
  function bindingControl(field, schema, root, required, value, choices, onChange) {
    const row = el("div", { class: "input-binding", dataset: { field: field.path } });
    const label = el("label", { text: field.name, title: (deref(schema, root).description || "") }, required ? [el("span", { class: "req", text: " *" })] : []);
    const modes = [["", "not set"], ["constant", "value"], ["param", "run parameter"], ["output", "earlier output"]];
    if (choices.item) { modes.push(["item", "item"]); }
    const mode = el("select", { class: "mode", "data-testid": "mode-" + field.name },
      modes.map(function ([key, text]) { return el("option", { value: key, text: text }); }));
    mode.value = modeOf(value);
    let widget = widgetFor(mode.value, schema, root, value, choices, onChange, field.name);
    mode.addEventListener("change", function () {
      const initial = { "": undefined, constant: deref(schema, root).default, param: choices.param[0],
                        output: choices.output[0], item: (choices.item || [])[0] }[mode.value];
      const replacement = widgetFor(mode.value, schema, root, initial, choices, onChange, field.name);
      widget.replaceWith(replacement);
      widget = replacement;
      onChange(initial);
    });
    row.append(label, mode, widget, el("span", { class: "field-error", "data-testid": "field-error" }));
    return row;
  }

  function widgetFor(mode, schema, root, value, choices, onChange, name) {
    const testid = "value-" + name;
    if (mode === "constant") { return valueWidget(schema, root, value, onChange, testid); }
    if (mode === "") {
      const fallback = deref(schema, root).default;
      return el("span", { class: "muted", text: fallback === undefined || fallback === null ? "default" : "default: " + JSON.stringify(fallback) });
    }
    const refs = (mode === "param" ? choices.param : mode === "output" ? choices.output : choices.item) || [];
    const options = refs.includes(value) || value === undefined ? refs : [value].concat(refs);
    const select = el("select", { "data-testid": testid }, options.map(function (r) { return el("option", { value: r, text: r }); }));
    select.value = value === undefined ? "" : value;
    select.addEventListener("change", function () { onChange(select.value); });
    return select;
  }

  window.GeoForm = { el: el, deref: deref, typesOf: typesOf, propertiesOf: propertiesOf, listPaths: listPaths,
                     valueWidget: valueWidget, bindingControl: bindingControl };
})();
