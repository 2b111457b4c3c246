// Charts of the plan view (Apache ECharts, vendored). The data comes from a JSON script tag in
// the fragment, so the same code runs on the first render and after htmx swaps the plan in.
(function () {
  var palette = ["#1f3a5f", "#2f6fae", "#f2a900", "#2e8b57", "#c0392b", "#8e44ad", "#16a085"];

  function fmt(v) { return v == null ? "—" : Number(v).toLocaleString(undefined, {maximumFractionDigits: 0}); }

  function options(kind, d) {
    if (kind === "totals") {
      var t = d.totals;
      return {
        color: palette, tooltip: {trigger: "axis"}, legend: {top: 0},
        grid: {left: 70, right: 20, top: 56, bottom: 30},
        xAxis: {type: "category", data: d.periods}, yAxis: {type: "value", name: "units", nameGap: 12},
        series: [
          {name: "Production", type: "bar", stack: "supply", data: t.production},
          {name: "Subcontract", type: "bar", stack: "supply", data: t.subcontract},
          {name: "Demand", type: "line", data: t.demand, lineStyle: {type: "dashed"}},
          {name: "Shipments", type: "line", data: t.shipments},
          {name: "Ending inventory", type: "line", data: t.inventory, areaStyle: {opacity: 0.15}},
          {name: "Lost", type: "bar", data: t.lost}
        ]
      };
    }
    if (kind === "channels") {
      return {
        color: palette, tooltip: {trigger: "axis"}, legend: {top: 0},
        grid: {left: 70, right: 20, top: 56, bottom: 30},
        xAxis: {type: "category", data: d.periods}, yAxis: {type: "value", name: "units", nameGap: 12},
        series: Object.keys(d.channels).map(function (ch) {
          return {name: ch, type: "bar", stack: "ship", data: d.channels[ch]};
        })
      };
    }
    if (kind === "heat") {
      var h = d.heat;
      return {
        tooltip: {formatter: function (p) {
          return h.resources[p.value[1]] + " · " + h.periods[p.value[0]] + ": " + (p.value[2] == null ? "—" : p.value[2] + "%");
        }},
        grid: {left: 90, right: 20, top: 10, bottom: 85},
        xAxis: {type: "category", data: h.periods, splitArea: {show: true}},
        yAxis: {type: "category", data: h.resources, splitArea: {show: true}},
        visualMap: {min: 0, max: Math.max(100, h.max), calculable: true, orient: "horizontal", left: "center", bottom: 0,
                    itemHeight: 120, inRange: {color: ["#f7fbff", "#fde9a9", "#f2a900", "#c0392b"]}, text: ["% used", ""]},
        series: [{type: "heatmap", data: h.cells, label: {show: h.periods.length <= 24, fontSize: 9,
                  formatter: function (p) { return p.value[2] == null ? "" : Math.round(p.value[2]); }}}]
      };
    }
    if (kind === "levers") {
      return {
        tooltip: {formatter: function (p) { return p.name + ": " + fmt(p.value); }},
        grid: {left: 170, right: 30, top: 10, bottom: 20},
        xAxis: {type: "value"}, yAxis: {type: "category", data: d.levers.map(function (x) { return x[0]; }), inverse: true},
        series: [{type: "bar", data: d.levers.map(function (x) {
          return {value: x[1], itemStyle: {color: x[1] >= 0 ? "#2e8b57" : "#c0392b"}};
        })}]
      };
    }
    return null;
  }

  function init(root) {
    if (typeof echarts === "undefined") return;
    (root || document).querySelectorAll("[data-echart]").forEach(function (el) {
      if (el.dataset.ready) return;
      var src = document.getElementById(el.dataset.source);
      if (!src) return;
      var opt = options(el.dataset.echart, JSON.parse(src.textContent));
      if (!opt) return;
      var chart = echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(opt);
      el.dataset.ready = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.body.addEventListener("htmx:afterSettle", function (evt) { init(evt.target); });
})();
