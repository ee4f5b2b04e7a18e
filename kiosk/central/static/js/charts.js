/* Draws every dashboard chart: each <div class="chart__canvas"> is followed by a JSON data island
   (<script type="application/json" class="chart__data">) holding {option, title, aria}. The option is
   built in Python (web/chart_specs.py); this file only adds what JSON cannot carry: number formatters
   in the page's language, the aria texts, and no animation for people who asked for less motion.
   No inline script anywhere (the CSP is script-src 'self'): the island is data, never run.
   Canvas renderer; the container gets data-drawn="1" after the first "finished" event (tests wait). */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "id";
  var numbers = new Intl.NumberFormat(lang === "en" ? "en-GB" : "id-ID", {maximumFractionDigits: 2});
  var charts = [];

  function show(v) {
    if (typeof v === "number") return numbers.format(v);
    return v === null || v === undefined || v === "-" ? "–" : String(v);
  }

  // "{c}%", "{b}: {c}", "{value}%" -> a function writing the numbers the page's way.
  function labelFormatter(template) {
    return function (p) {
      return template.replace(/\{(a|b|c|d)\}/g, function (_, key) {
        if (key === "a") return p.seriesName || "";
        if (key === "b") return p.name || "";
        if (key === "d") return show(p.percent);
        return show(Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value);
      });
    };
  }

  function valueFormatter(template) {
    return function (v) {
      return template.replace("{value}", show(Array.isArray(v) ? v[v.length - 1] : v));
    };
  }

  function list(x) {
    return !x ? [] : Array.isArray(x) ? x : [x];
  }

  function localise(option) {
    list(option.series).forEach(function (s) {
      if (s.label && typeof s.label.formatter === "string") s.label.formatter = labelFormatter(s.label.formatter);
    });
    list(option.xAxis).concat(list(option.yAxis)).forEach(function (axis) {
      if (axis.type === "value" && axis.axisLabel && typeof axis.axisLabel.formatter === "string") {
        axis.axisLabel.formatter = valueFormatter(axis.axisLabel.formatter);
      } else if (axis.type === "value") {
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = valueFormatter("{value}");
      }
    });
    if (option.tooltip && typeof option.tooltip.valueFormatter === "string") {
      option.tooltip.valueFormatter = valueFormatter(option.tooltip.valueFormatter);
    }
    if (option.visualMap) option.visualMap.formatter = valueFormatter("{value}");
  }

  function draw(canvas) {
    var island = canvas.parentNode.querySelector("script.chart__data");
    if (!island || canvas.getAttribute("data-drawn")) return;
    var data = JSON.parse(island.textContent);
    var option = data.option;
    localise(option);
    // The title is not drawn (the figure's heading is) but names the chart in ECharts' description.
    option.title = Object.assign({show: false}, option.title, {text: data.title});
    option.aria = Object.assign({enabled: true}, option.aria, {label: Object.assign({enabled: true}, data.aria)});
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) option.animation = false;
    // Horizontal bars and heatmaps grow with their rows so long lists stay readable.
    var rows = list(option.yAxis).filter(function (a) { return a.type === "category"; })[0];
    if (rows && rows.data && rows.data.length > 6) canvas.style.height = Math.min(40 + rows.data.length * 34, 2400) + "px";
    var chart = echarts.init(canvas, null, {renderer: "canvas"});
    chart.on("finished", function once() {
      chart.off("finished", once);
      canvas.setAttribute("data-drawn", "1");
      // ECharts replaces the container's label with its own description: keep our role (an image).
      canvas.setAttribute("role", "img");
    });
    chart.setOption(option);
    charts.push(chart);
  }

  function drawAll() {
    if (typeof echarts === "undefined") return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart__canvas"), draw);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      pending = null;
      charts.forEach(function (c) { c.resize(); });
    }, 150);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
