// The demand review grid: Tabulator (vendored) with a row per family x measure and a column per month.
// Edits go to the server as JSON (fetch) and come back as the recomputed rows: no page reload.
(function () {
  "use strict";
  var configEl = document.getElementById("grid-config");
  var el = document.getElementById("demand-grid");
  if (!configEl || !el || !window.Tabulator) return;
  var config = JSON.parse(configEl.textContent);
  var csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {})["X-CSRFToken"];
  var msg = document.getElementById("grid-message");
  var form = document.getElementById("grid-filters");
  var chartEl = document.getElementById("demand-chart");
  var chartTitle = document.getElementById("chart-title");
  var chartLink = document.getElementById("chart-family-link");
  var state = { view: readView(), collapsed: {}, hidden: {}, versions: {}, queue: Promise.resolve(),
                editing: false, pending: null, enter: false, chartFamily: "", columns: [] };
  var table = null;

  function readView() {
    var data = new FormData(form);
    return { group: data.get("group") || "", channel: data.get("channel") || "",
             measure: data.get("measure") || "units", history: data.get("history") || "6" };
  }
  function query(view) {
    return Object.keys(view).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(view[k]); }).join("&");
  }
  function say(text, kind) {
    msg.className = "small mb-1 " + (kind === "error" ? "text-danger fw-semibold" : kind === "ok" ? "text-success" : "text-muted");
    msg.textContent = text;
    msg.dataset.kind = kind || "";
  }
  function fmt(v) {
    if (v === null || v === undefined || v === "") return "";
    var n = Number(v);
    if (isNaN(n)) return String(v);
    return n.toLocaleString(undefined, { maximumFractionDigits: state.view.measure === "revenue" ? 0 : 0 });
  }
  function versionKey(row, field) { return row.id + "|" + field; }
  function remember(rows) {
    rows.forEach(function (r) {
      Object.keys(r).forEach(function (k) { if (k.charAt(0) === "v" && /^v\d{6}$/.test(k)) state.versions[r.id + "|m" + k.slice(1)] = r[k]; });
    });
  }

  // --- table -------------------------------------------------------------------------------
  function headFormatter(cell) {
    var d = cell.getRow().getData();
    var label = '<span class="ms-label">' + escapeHtml(d.label) + "</span>";
    if (d.measure !== "consensus") return '<span class="head-indent"></span>' + label;
    var name;
    if (d.level === "group") {
      var open = !state.collapsed[d.key];
      name = '<button type="button" class="btn btn-link btn-sm p-0 group-toggle" data-group="' + escapeHtml(d.key) +
        '" aria-expanded="' + open + '" title="' + (open ? "Collapse to the group total" : "Show the families") + '">' +
        (open ? "▾ " : "▸ ") + escapeHtml(d.key) + "</button>";
    } else if (d.level === "family") {
      name = '<a href="#" class="family-chart" data-family="' + escapeHtml(d.code) + '" title="' + escapeHtml(d.name) +
        ' (chart)">' + escapeHtml(d.code) + '</a> <span class="text-muted small">' + escapeHtml(d.name) + "</span>";
    } else {
      name = '<a href="#" class="total-chart">Total</a>';
    }
    return '<span class="head-name">' + name + "</span>" + label;
  }
  function valueFormatter(cell) {
    var d = cell.getRow().getData();
    var f = cell.getField();
    var node = cell.getElement();
    node.classList.toggle("has-override", !!d["o" + f.slice(1)]);
    var v = cell.getValue();
    if (d.measure === "overrides" && v) node.classList.toggle("neg", Number(v) < 0);
    return fmt(v);
  }
  function rowFormatter(row) {
    var d = row.getData();
    var node = row.getElement();
    node.classList.add("lvl-" + d.level, "ms-" + d.measure);
    node.dataset.rowId = d.id;
  }
  function editable(cell) {
    var d = cell.getRow().getData();
    return !!(config.canEdit && d.editable && d.measure === "consensus" && state.horizon[cell.getField()]);
  }
  function filterRows(d) {
    if (d.measure !== "consensus" && state.hidden[d.measure]) return false;
    if (d.level === "family" && state.collapsed[d.group]) return false;
    return true;
  }
  function columns(data) {
    var cols = [];
    data.columns.forEach(function (c) {
      cols.push({ title: c.title, field: c.field, hozAlign: "right", minWidth: 62, headerSort: false, headerTooltip: c.period,
                  cssClass: c.past ? "past" : "horizon", editor: c.past ? false : "input", editable: c.past ? false : editable,
                  editorParams: { selectContents: true },
                  formatter: valueFormatter });
    });
    return cols;
  }

  function build(data) {
    state.columns = data.columns;
    state.horizon = {};
    data.columns.forEach(function (c) { if (!c.past) state.horizon[c.field] = true; });
    remember(data.rows);
    if (table) { table.destroy(); table = null; }
    table = new Tabulator(el, {
      data: data.rows,
      index: "id",
      layout: "fitData",
      height: "62vh",
      reactiveData: false,
      columns: columns(data),
      rowHeader: { title: "Family · row", field: "label", frozen: true, width: 300, headerSort: false, resizable: false,
                   formatter: headFormatter, cssClass: "row-head", headerHozAlign: "left" },
      rowFormatter: rowFormatter,
      selectableRange: 1,
      selectableRangeColumns: false,
      selectableRangeRows: true,
      selectableRangeClearCells: false,
      editTriggerEvent: "dblclick",
      columnDefaults: { headerSort: false, resizable: false },
      placeholder: "No demand yet: compute the baseline forecast."
    });
    table.on("tableBuilt", function () { table.setFilter(filterRows); el.dataset.ready = "1"; });
    table.on("cellEditing", function () { state.editing = true; });
    table.on("cellEditCancelled", function () { state.editing = false; flush(); });
    table.on("cellEdited", onEdited);
    table.on("cellClick", onCellClick);
    document.getElementById("grid-frozen-note") && (document.getElementById("grid-frozen-note").hidden = !data.frozen);
  }

  function load() {
    state.view = readView();
    el.dataset.ready = "0";
    return fetch(config.gridUrl + "?" + query(state.view), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { build(data); return data; })
      .catch(function () { say("The grid could not be loaded; reload the page.", "error"); });
  }

  function apply(data) {
    remember(data.rows);
    if (state.editing) { state.pending = data; return; }
    state.pending = null;
    var current = table.getData().map(function (r) { return r.id; }).join(",");
    var incoming = data.rows.map(function (r) { return r.id; }).join(",");
    if (current === incoming) table.updateData(data.rows); else table.replaceData(data.rows);
    table.setFilter(filterRows);
  }
  function flush() { if (state.pending && !state.editing) apply(state.pending); }

  // --- edits -------------------------------------------------------------------------------
  var select = document.getElementById("assumption-select");
  var newBox = document.getElementById("new-assumption");
  if (select) select.addEventListener("change", function () { newBox.classList.toggle("d-none", select.value !== "new"); });

  function assumptionPayload() {
    if (!select || !select.value) return null;
    if (select.value === "new") {
      var text = document.getElementById("na-text").value.trim();
      if (!text) return null;
      return { new_assumption: { category: document.getElementById("na-category").value, text: text,
                                 owner: document.getElementById("na-owner").value } };
    }
    return { assumption: select.value };
  }
  function adoptAssumption(a) {
    if (!select || !a) return;
    var existing = select.querySelector('option[value="' + a.id + '"]');
    if (!existing) {
      var opt = document.createElement("option");
      opt.value = a.id;
      opt.textContent = a.ref + " · " + (a.text.length > 70 ? a.text.slice(0, 69) + "…" : a.text);
      select.insertBefore(opt, select.options[2] || null);
    }
    select.value = String(a.id);
    newBox.classList.add("d-none");
    document.getElementById("na-text").value = "";
  }

  function parseInput(raw) {
    var text = String(raw === null || raw === undefined ? "" : raw).trim().replace(/,/g, "").replace(/\s/g, "");
    if (!text) return null;
    if (/%$/.test(text)) return { kind: "percent", value: text.slice(0, -1).replace(/^\+/, "") };
    return { kind: "absolute", value: text };
  }
  function cellRef(cell) {
    var d = cell.getRow().getData();
    var period = (state.columns.filter(function (c) { return c.field === cell.getField(); })[0] || {}).period;
    return { level: d.level, key: d.key, period: period, rowId: d.id, field: cell.getField() };
  }

  function send(refs, kind, value, label, extra) {
    var payload = assumptionPayload();
    if (!payload) {
      say("Pick the assumption behind this change first (or write a new one): every change of the plan carries one.", "error");
      return Promise.resolve(false);
    }
    el.dataset.saving = "1";
    state.queue = state.queue.then(function () {
      var body = Object.assign({ view: state.view, kind: kind, value: value,
        cells: refs.map(function (r) { return { level: r.level, key: r.key, period: r.period, seen: state.versions[r.rowId + "|" + r.field] || 0 }; }) }, payload, extra || {});
      return fetch(config.editUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body)
      }).then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
        .then(function (res) {
          if (res.status === 200) {
            if (extra && extra.view) load(); else apply(res.body.grid);  // another view's rows: reload ours
            adoptAssumption(res.body.assumption);
            say(res.body.message + (label ? " (" + label + ")" : ""), "ok");
            refreshChart();
            showDetail();
          } else if (res.status === 409 && res.body.grid) {
            apply(res.body.grid);
            say(res.body.message, "error");
          } else {
            say(res.body.message || ("The change was refused (" + res.status + ")."), "error");
            return load();
          }
        }).catch(function () { say("The change could not be saved (network); reload the page.", "error"); })
        .then(function () { el.dataset.saving = "0"; });
    });
    return state.queue;
  }

  function onEdited(cell) {
    state.editing = false;
    var parsed = parseInput(cell.getValue());
    var moveDown = state.enter;
    state.enter = false;
    if (!parsed || isNaN(Number(parsed.value))) {
      cell.restoreOldValue();
      say("Type a number of units (e.g. 1200) or a % change (e.g. +10%).", "error");
      flush();
      return;
    }
    var ref = cellRef(cell);
    if (!assumptionPayload()) {
      cell.restoreOldValue();
      say("Pick the assumption behind this change first (or write a new one): every change of the plan carries one.", "error");
      flush();
      return;
    }
    send([ref], parsed.kind, parsed.value, ref.period);
    if (moveDown) moveToNextConsensus(cell);
    flush();
  }

  // Enter saves and moves to the consensus cell below (Tab moves right: Tabulator's own navigation).
  el.addEventListener("keydown", function (e) { if (e.key === "Enter" && state.editing) state.enter = true; }, true);
  function moveToNextConsensus(cell) {
    var rows = table.getRows("active");
    var i = rows.indexOf(cell.getRow());
    for (var j = i + 1; j < rows.length; j++) {
      if (rows[j].getData().measure === "consensus") {
        var next = rows[j].getCell(cell.getField());
        try { table.addRange(next, next); } catch (err) { /* range module absent */ }
        next.getElement().scrollIntoView({ block: "nearest" });
        return;
      }
    }
  }

  var rangeBtn = document.getElementById("range-apply");
  if (rangeBtn) rangeBtn.addEventListener("click", function () {
    var ranges = table.getRanges ? table.getRanges() : [];
    var cells = [];
    ranges.forEach(function (r) { r.getCells().forEach(function (c) { if (Array.isArray(c)) cells.push.apply(cells, c); else cells.push(c); }); });
    var refs = cells.filter(editable).map(cellRef).filter(function (r) { return r.period; });
    if (!refs.length) { say("Select consensus cells of future months first (drag, or Shift+arrows).", "error"); return; }
    var kind = document.getElementById("range-kind").value;
    var value = document.getElementById("range-value").value.trim().replace(/%$/, "").replace(/^\+/, "");
    if (!value || isNaN(Number(value))) { say("Type the % change or the units to apply to the selection.", "error"); return; }
    send(refs, kind, value, refs.length + " cell(s)");
  });

  var addLine = document.getElementById("nl-add");
  if (addLine) addLine.addEventListener("click", function () {
    var from = document.getElementById("nl-from").value, to = document.getElementById("nl-to").value;
    var units = document.getElementById("nl-units").value.trim();
    var family = document.getElementById("nl-family").value, channel = document.getElementById("nl-channel").value;
    if (!units || isNaN(Number(units)) || Number(units) < 0) { say("Type the units a month of the new line.", "error"); return; }
    var months = Array.prototype.map.call(document.getElementById("nl-from").options, function (o) { return o.value; })
      .filter(function (p) { return p >= from && p <= to; });
    if (!months.length) { say("The last month comes before the first one.", "error"); return; }
    var refs = months.map(function (p) { return { level: "family", key: family, period: p, rowId: "", field: "" }; });
    send(refs, "absolute", units, months.length + " month(s)",
         { new_line: true, view: Object.assign({}, state.view, { channel: channel }) });
  });

  // --- clicks: groups, families, cell details ------------------------------------------------
  function onCellClick(e, cell) {
    var target = e.target;
    if (target.classList.contains("group-toggle")) {
      var g = target.dataset.group;
      state.collapsed[g] = !state.collapsed[g];
      table.setFilter(filterRows);
      cell.getRow().reformat();
      return;
    }
    if (target.classList.contains("family-chart")) {
      e.preventDefault();
      state.chartFamily = target.dataset.family;
      refreshChart();
      return;
    }
    if (target.classList.contains("total-chart")) { e.preventDefault(); state.chartFamily = ""; refreshChart(); return; }
    var d = cell.getRow().getData();
    if (d.measure === "consensus" && /^m\d{6}$/.test(cell.getField())) {
      var ref = cellRef(cell);
      if (ref.period) {
        state.detail = Object.assign({}, state.view, { level: ref.level, key: ref.key, period: ref.period });
        showDetail();
      }
    }
  }
  function showDetail() {
    if (state.detail && window.htmx) htmx.ajax("GET", config.cellUrl + "?" + query(state.detail), { target: "#cell-detail", swap: "innerHTML" });
  }
  document.body.addEventListener("demand-changed", function () { load(); refreshChart(); });
  document.body.addEventListener("baseline-finished", function () { load(); refreshChart(); });

  function refreshChart() {
    if (!window.DemandChart || !chartEl) return;
    var params = { channel: state.view.channel };
    if (state.chartFamily) params.family = state.chartFamily;
    DemandChart.load(chartEl, config.chartUrl + "?" + query(params), chartTitle);
    if (chartLink) {
      chartLink.classList.toggle("d-none", !state.chartFamily);
      chartLink.href = config.familyUrl.replace("FAMILY", encodeURIComponent(state.chartFamily));
    }
  }

  // --- filters -------------------------------------------------------------------------------
  form.addEventListener("change", function (e) {
    if (e.target.dataset && e.target.dataset.measure) {
      state.hidden[e.target.dataset.measure] = !e.target.checked;
      table.setFilter(filterRows);
      return;
    }
    var view = readView();
    history.replaceState(null, "", window.location.pathname + "?" + query(view));
    load();
    refreshChart();
  });

  function escapeHtml(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  window.DemandGrid = { reload: load, table: function () { return table; }, state: state };
  chartEl && chartEl.setAttribute("data-echarts", "1");
  load();
  refreshChart();
})();
