// Demand chart: history, baseline with its 80 % interval, consensus, prior plan and budget (ECharts, vendored).
window.DemandChart = (function () {
  function render(el, data) {
    if (!window.echarts || !el) return null;
    var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "svg" });
    var lo = data.lo, band = data.hi.map(function (h, i) { return h === null || lo[i] === null ? null : h - lo[i]; });
    var start = data.periods.indexOf(data.first_horizon);
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 12, top: 52, bottom: 48 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "–" : Math.round(v).toLocaleString(); } },
      legend: { top: 0, textStyle: { fontSize: 10 }, itemWidth: 14, data: ["History", "Baseline", "80 % interval", "Consensus", "Prior plan", "Budget"] },
      xAxis: { type: "category", data: data.periods, axisLabel: { fontSize: 9 } },
      yAxis: { type: "value", axisLabel: { fontSize: 9 } },
      series: [
        { name: "lo", type: "line", data: lo, stack: "band", lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
        { name: "80 % interval", type: "line", data: band, stack: "band", lineStyle: { opacity: 0 }, symbol: "none", areaStyle: { color: "rgba(47,111,174,0.15)" } },
        { name: "History", type: "line", data: data.history, symbol: "none", lineStyle: { color: "#333", width: 1.5 }, itemStyle: { color: "#333" } },
        { name: "Baseline", type: "line", data: data.baseline, symbol: "none", lineStyle: { type: "dashed", color: "#2f6fae" }, itemStyle: { color: "#2f6fae" } },
        { name: "Consensus", type: "line", data: data.consensus, symbol: "circle", symbolSize: 3, lineStyle: { width: 2.5, color: "#d9822b" }, itemStyle: { color: "#d9822b" } },
        { name: "Prior plan", type: "line", data: data.prior, symbol: "none", lineStyle: { type: "dotted", color: "#7b5ea7" }, itemStyle: { color: "#7b5ea7" } },
        { name: "Budget", type: "line", data: data.budget, step: "middle", symbol: "none", lineStyle: { color: "#2e8b57", width: 1 }, itemStyle: { color: "#2e8b57" } }
      ].concat(start > 0 ? [{ type: "line", data: [], markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#aaa" }, data: [{ xAxis: data.first_horizon }] } }] : [])
    }, true);
    return chart;
  }
  function load(el, url, titleEl) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (titleEl) titleEl.textContent = data.title; render(el, data); return data; });
  }
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-echarts]").forEach(function (el) { var c = echarts.getInstanceByDom(el); if (c) c.resize(); });
  });
  document.querySelectorAll("[data-chart-url]").forEach(function (el) { load(el, el.dataset.chartUrl); });
  return { render: render, load: load };
})();
