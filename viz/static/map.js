/*
 * partnergraph maps: draws a map payload (viz/maps.py MapData.payload) with vis-network.
 *
 * Safety: every piece of graph text reaches the page through textContent or setAttribute, never
 * innerHTML; vis-network gets no `title` strings (our own tooltip is built from DOM elements).
 * The saved map files and the explorer share this file; the explorer adds its actions through
 * the `extras` hook of createMap.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var timings = (window.__pgTimings = window.__pgTimings || {});
  timings.scriptStart = performance.now();

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (name) {
      node.setAttribute(name, String(attrs[name]));
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function kindStyle(style, kind) {
    return style.kinds[kind] || Object.assign({}, style.fallbackKind, { name: kind || "?" });
  }

  function relationStyle(style, type) {
    return style.relations[type] || Object.assign({}, style.fallbackRelation, { name: type || "?" });
  }

  /* The legend: the same markup as viz/templates/legend.html.j2. */
  function renderLegend(container, style, kinds, relations) {
    clear(container);
    container.appendChild(el("h2", null, "Legend"));
    var kindList = el("ul", "pg-legend-kinds");
    kindList.setAttribute("aria-label", "Node kinds");
    orderLike(Object.keys(style.kinds), kinds).forEach(function (kind) {
      var entry = kindStyle(style, kind);
      var li = el("li");
      li.setAttribute("data-kind", kind);
      li.title = entry.description || "";
      var icon = svg("svg", { width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true" });
      var shapeAttrs = Object.assign({}, entry.svg.attrs, { fill: entry.colour, stroke: entry.border, "stroke-width": 1.2 });
      icon.appendChild(svg(entry.svg.tag, shapeAttrs));
      li.appendChild(icon);
      li.appendChild(el("span", null, kind));
      kindList.appendChild(li);
    });
    container.appendChild(kindList);
    var relList = el("ul", "pg-legend-relations");
    relList.setAttribute("aria-label", "Relation types");
    orderLike(Object.keys(style.relations), relations).forEach(function (type) {
      var entry = relationStyle(style, type);
      var li = el("li");
      li.setAttribute("data-relation", type);
      li.title = entry.description || "";
      var icon = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
      var line = { x1: 1, y1: 6, x2: entry.directed ? 27 : 33, y2: 6, stroke: entry.colour, "stroke-width": 2 };
      if (entry.dashes) line["stroke-dasharray"] = entry.dashes.join(" ");
      icon.appendChild(svg("line", line));
      if (entry.directed) icon.appendChild(svg("polygon", { points: "27,2 33,6 27,10", fill: entry.colour }));
      li.appendChild(icon);
      li.appendChild(el("span", null, type));
      relList.appendChild(li);
    });
    container.appendChild(relList);
  }

  function orderLike(order, wanted) {
    var set = {};
    wanted.forEach(function (w) { set[w] = true; });
    var known = order.filter(function (name) { return set[name]; });
    var unknown = Object.keys(set).filter(function (name) { return order.indexOf(name) < 0; }).sort();
    return known.concat(unknown);
  }

  function quoteBlock(source) {
    var block = el("blockquote", "pg-quote");
    block.appendChild(el("div", "pg-quote-text", source.quote));
    var cite = [source.doc, source.section].filter(Boolean).join(", ");
    if (cite) block.appendChild(el("footer", null, cite));
    return block;
  }

  function definitionList(pairs) {
    var dl = el("dl");
    pairs.forEach(function (pair) {
      if (pair[1] === undefined || pair[1] === null || pair[1] === "" || (Array.isArray(pair[1]) && !pair[1].length)) return;
      dl.appendChild(el("dt", null, pair[0]));
      var dd = el("dd");
      if (pair[1] instanceof Node) dd.appendChild(pair[1]);
      else dd.textContent = Array.isArray(pair[1]) ? pair[1].join(", ") : String(pair[1]);
      dl.appendChild(dd);
    });
    return dl;
  }

  function safeLink(url) {
    var link = el("a", null, url);
    if (/^https?:\/\//i.test(url)) {
      link.href = url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
    }
    return link;
  }

  function download(name, href) {
    var link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function slug(text) {
    return String(text || "map").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "map";
  }

  /*
   * createMap(opts): opts.container (element), opts.data (payload), and optional elements
   * opts.legend, opts.details, opts.tooltip, opts.stats; opts.extras(kind, id, section, map) adds
   * content to a details panel ("node" or "edge"); opts.onReady(map) runs once the map is drawn.
   */
  function createMap(opts) {
    var data = opts.data;
    var style = data.style;
    var nodes = new vis.DataSet(data.nodes);
    var edges = new vis.DataSet(data.edges);
    var details = Object.assign({}, data.details);
    var edgeDetails = Object.assign({}, data.edgeDetails);
    var network = new vis.Network(opts.container, { nodes: nodes, edges: edges }, data.options);
    var map = {
      network: network, nodes: nodes, edges: edges, details: details, edgeDetails: edgeDetails,
      style: style, title: data.title, selected: null, ready: false,
    };

    function name(key) {
      return details[key] ? details[key].name : key;
    }

    /* ---- tooltip ---- */
    var tooltip = opts.tooltip;
    function showTooltip(content, pointer) {
      if (!tooltip) return;
      clear(tooltip);
      tooltip.appendChild(content);
      var box = opts.container.getBoundingClientRect();
      tooltip.style.left = Math.min(box.left + pointer.x + 14, window.innerWidth - 350) + "px";
      tooltip.style.top = box.top + pointer.y + 14 + "px";
      tooltip.hidden = false;
    }
    function hideTooltip() {
      if (tooltip) tooltip.hidden = true;
    }
    function nodeSummary(key) {
      var d = details[key] || { name: key, kind: "", themes: [], sources: [] };
      var box = el("div");
      box.appendChild(el("strong", null, d.name));
      var names = [];
      if (d.name_fi) names.push("fi: " + d.name_fi);
      if (d.name_en) names.push("en: " + d.name_en);
      box.appendChild(el("div", "pg-muted", [d.kind].concat(names).filter(Boolean).join(" · ")));
      if (d.themes && d.themes.length) {
        box.appendChild(el("div", null, "Themes: " + d.themes.map(function (t) { return t.name; }).join(", ")));
      }
      if (d.sources && d.sources.length) {
        var quote = d.sources[0].quote;
        box.appendChild(el("div", "pg-muted", "“" + (quote.length > 160 ? quote.slice(0, 159) + "…" : quote) + "”"));
      }
      return box;
    }
    function edgeSummary(id) {
      var d = edgeDetails[id];
      var box = el("div");
      if (!d) return box;
      box.appendChild(el("strong", null, d.type + (d.role ? " (" + d.role + ")" : "")));
      box.appendChild(el("div", null, name(d.from) + " → " + name(d.to)));
      var when = [d.since ? "since " + d.since : "", d.until ? "until " + d.until : "", d.basis === "inferred" ? "inferred" : ""];
      var extra = when.filter(Boolean).join(", ");
      if (extra) box.appendChild(el("div", "pg-muted", extra));
      return box;
    }
    network.on("hoverNode", function (params) { showTooltip(nodeSummary(params.node), params.pointer.DOM); });
    network.on("hoverEdge", function (params) { showTooltip(edgeSummary(params.edge), params.pointer.DOM); });
    network.on("blurNode", hideTooltip);
    network.on("blurEdge", hideTooltip);
    network.on("dragStart", hideTooltip);
    network.on("zoom", hideTooltip);

    /* ---- details panel ---- */
    var panel = opts.details;
    function showNode(key) {
      map.selected = { node: key };
      if (!panel) return;
      var d = details[key];
      clear(panel);
      if (!d) {
        panel.appendChild(el("p", "pg-hint", "No details for " + key));
        return;
      }
      var entry = kindStyle(style, d.kind);
      var heading = el("h2", "pg-node-name", d.name);
      panel.appendChild(heading);
      var meta = el("div");
      var badge = el("span", "pg-kind-badge", d.kind);
      badge.style.background = entry.colour;
      meta.appendChild(badge);
      meta.appendChild(el("span", "pg-key", d.key));
      panel.appendChild(meta);
      panel.appendChild(definitionList([
        ["Name (fi)", d.name_fi],
        ["Name (en)", d.name_en],
        ["Also", d.aliases],
        ["Web", d.url ? safeLink(d.url) : null],
      ].concat(Object.keys(d.properties || {}).map(function (prop) {
        return [prop.replace(/_/g, " "), typeof d.properties[prop] === "boolean" ? (d.properties[prop] ? "yes" : "no") : d.properties[prop]];
      }))));
      if (d.description_en || d.description_fi) panel.appendChild(el("p", "pg-description", d.description_en || d.description_fi));
      if (opts.extras) opts.extras("node", key, panel, map);
      if (d.themes && d.themes.length) {
        panel.appendChild(el("h3", null, "Themes"));
        var themes = el("ul", "pg-themes");
        d.themes.forEach(function (theme) { themes.appendChild(itemFor(theme.key, theme.name)); });
        panel.appendChild(themes);
      }
      var related = edges.get({ filter: function (e) { return e.from === key || e.to === key; } });
      panel.appendChild(el("h3", null, "Relations on this map (" + related.length + ")"));
      var list = el("ul", "pg-relations");
      related.forEach(function (e) {
        var ed = edgeDetails[e.id] || { type: e.type };
        var other = e.from === key ? e.to : e.from;
        var li = el("li");
        li.appendChild(document.createTextNode((e.from === key ? ed.type + " → " : "← " + ed.type + " ") ));
        li.appendChild(linkTo(other, name(other)));
        if (ed.role) li.appendChild(document.createTextNode(" (" + ed.role + ")"));
        if (ed.basis === "inferred") li.appendChild(el("span", "pg-muted", " inferred"));
        list.appendChild(li);
      });
      panel.appendChild(list);
      panel.appendChild(el("h3", null, "Sources"));
      if (d.sources && d.sources.length) d.sources.forEach(function (s) { panel.appendChild(quoteBlock(s)); });
      else panel.appendChild(el("p", "pg-hint", "No provenance recorded."));
    }
    function itemFor(key, label) {
      var li = el("li");
      li.appendChild(details[key] ? linkTo(key, label) : document.createTextNode(label));
      return li;
    }
    function linkTo(key, label) {
      var button = el("button", "pg-link", label);
      button.type = "button";
      button.addEventListener("click", function () { focusNode(key); });
      return button;
    }
    function showEdge(id) {
      map.selected = { edge: id };
      if (!panel) return;
      var d = edgeDetails[id];
      clear(panel);
      if (!d) return;
      panel.appendChild(el("h2", null, d.type));
      var ends = el("p");
      ends.appendChild(linkTo(d.from, name(d.from)));
      ends.appendChild(document.createTextNode(" → "));
      ends.appendChild(linkTo(d.to, name(d.to)));
      panel.appendChild(ends);
      var rel = relationStyle(style, d.type);
      panel.appendChild(definitionList([
        ["Meaning", rel.description], ["Role", d.role], ["Basis", d.basis],
        ["Since", d.since], ["Until", d.until], ["Note", d.note],
      ]));
      if (opts.extras) opts.extras("edge", id, panel, map);
      panel.appendChild(el("h3", null, "Sources"));
      if (d.sources && d.sources.length) d.sources.forEach(function (s) { panel.appendChild(quoteBlock(s)); });
      else panel.appendChild(el("p", "pg-hint", "No provenance recorded."));
    }
    function focusNode(key) {
      if (!nodes.get(key)) return;
      network.selectNodes([key]);
      network.focus(key, { scale: Math.max(network.getScale(), 0.8), animation: { duration: 300 } });
      showNode(key);
    }
    network.on("click", function (params) {
      hideTooltip();
      if (params.nodes.length) showNode(params.nodes[0]);
      else if (params.edges.length) showEdge(params.edges[0]);
    });

    /* ---- legend and stats ---- */
    function refreshLegend() {
      var kinds = {}, types = {};
      nodes.forEach(function (n) { if (!n.hidden) kinds[n.kind] = true; });
      edges.forEach(function (e) {
        var a = nodes.get(e.from), b = nodes.get(e.to);
        if (a && b && !a.hidden && !b.hidden) types[e.type] = true;
      });
      if (opts.legend) renderLegend(opts.legend, style, Object.keys(kinds), Object.keys(types));
      if (opts.stats) opts.stats.textContent = nodes.length.toLocaleString("en") + " nodes, " + edges.length.toLocaleString("en") + " relations";
    }

    /* ---- adding a payload (explorer: expand, search, paths) ---- */
    function addPayload(payload, anchor) {
      var shift = { x: 0, y: 0 };
      var positions = {};
      payload.nodes.forEach(function (n) { positions[n.id] = n; });
      if (anchor && nodes.get(anchor) && positions[anchor]) {
        var at = network.getPosition(anchor);
        shift = { x: at.x - positions[anchor].x, y: at.y - positions[anchor].y };
      } else if (nodes.length) {
        var ids = nodes.getIds();
        var box = network.getBoundingBox(ids[0]);
        ids.forEach(function (id) {
          var b = network.getBoundingBox(id);
          if (b.right > box.right) box.right = b.right;
          if (b.top < box.top) box.top = b.top;
          if (b.bottom > box.bottom) box.bottom = b.bottom;
        });
        var minX = Math.min.apply(null, payload.nodes.map(function (n) { return n.x || 0; }).concat([0]));
        shift = { x: box.right + 200 - minX, y: (box.top + box.bottom) / 2 };
      }
      var added = [];
      payload.nodes.forEach(function (n) {
        if (!details[n.id] || !nodes.get(n.id)) {
          details[n.id] = payload.details[n.id];
        }
        if (!nodes.get(n.id)) {
          added.push(Object.assign({}, n, { x: (n.x || 0) + shift.x, y: (n.y || 0) + shift.y, physics: false }));
        }
      });
      nodes.add(added);
      var newEdges = [];
      payload.edges.forEach(function (e) {
        if (!edges.get(e.id)) {
          newEdges.push(e);
          edgeDetails[e.id] = payload.edgeDetails[e.id];
        }
      });
      edges.add(newEdges);
      refreshLegend();
      return { nodes: added.map(function (n) { return n.id; }), edges: newEdges.map(function (e) { return e.id; }) };
    }

    function replacePayload(payload) {
      Object.keys(details).forEach(function (k) { delete details[k]; });
      Object.keys(edgeDetails).forEach(function (k) { delete edgeDetails[k]; });
      Object.assign(details, payload.details);
      Object.assign(edgeDetails, payload.edgeDetails);
      nodes.clear();
      edges.clear();
      nodes.add(payload.nodes.map(function (n) { return Object.assign({}, n, { physics: false }); }));
      edges.add(payload.edges);
      refreshLegend();
      network.fit();
    }

    /* ---- filters ---- */
    function filterNodes(keep) {
      var updates = [];
      nodes.forEach(function (n) {
        var hidden = !keep(n, details[n.id] || {});
        if (!!n.hidden !== hidden) updates.push({ id: n.id, hidden: hidden });
      });
      nodes.update(updates);
      refreshLegend();
    }

    /* ---- export ---- */
    function pngDataURL() {
      var source = opts.container.querySelector("canvas");
      var copy = document.createElement("canvas");
      copy.width = source.width;
      copy.height = source.height;
      var ctx = copy.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, copy.width, copy.height);
      ctx.drawImage(source, 0, 0);
      return copy.toDataURL("image/png");
    }
    function viewJSON() {
      var shown = nodes.get({ filter: function (n) { return !n.hidden; } });
      var ids = {};
      shown.forEach(function (n) { ids[n.id] = true; });
      return {
        title: map.title,
        nodes: shown.map(function (n) { return details[n.id] || { key: n.id }; }),
        edges: edges.get({ filter: function (e) { return ids[e.from] && ids[e.to]; } }).map(function (e) {
          return Object.assign({ key: e.id }, edgeDetails[e.id] || { type: e.type, from: e.from, to: e.to });
        }),
      };
    }
    function exportPNG() { download(slug(map.title) + ".png", pngDataURL()); }
    function exportJSON() {
      var blob = new Blob([JSON.stringify(viewJSON(), null, 2)], { type: "application/json" });
      var url = URL.createObjectURL(blob);
      download(slug(map.title) + ".json", url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }
    function visibleKeys() {
      return nodes.get({ filter: function (n) { return !n.hidden; } }).map(function (n) { return n.id; });
    }

    /* ---- ready ---- */
    function markReady() {
      if (map.ready) return;
      map.ready = true;
      timings.ready = performance.now();
      window.__pgReady = true;
      document.body.setAttribute("data-ready", "1");
      if (opts.onReady) opts.onReady(map);
    }
    var physicsOn = data.options.physics && data.options.physics.enabled && nodes.length > 0;
    if (physicsOn) {
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
        network.once("afterDrawing", markReady);
        network.redraw();
      });
    } else {
      network.once("afterDrawing", markReady);
      network.redraw();
    }

    Object.assign(map, {
      showNode: showNode, showEdge: showEdge, focusNode: focusNode, refreshLegend: refreshLegend,
      addPayload: addPayload, replacePayload: replacePayload, filterNodes: filterNodes,
      pngDataURL: pngDataURL, viewJSON: viewJSON, exportPNG: exportPNG, exportJSON: exportJSON,
      visibleKeys: visibleKeys, name: name,
      fit: function () { network.fit({ animation: { duration: 300 } }); },
    });
    return map;
  }

  function readPayload(id) {
    var script = document.getElementById(id);
    return script ? JSON.parse(script.textContent) : null;
  }

  function autostart() {
    if (document.body.getAttribute("data-autostart") !== "1") return;
    var data = readPayload("pg-data");
    if (!data) return;
    var map = createMap({
      container: document.getElementById("pg-network"),
      data: data,
      legend: document.getElementById("pg-legend"),
      details: document.getElementById("pg-details"),
      tooltip: document.getElementById("pg-tooltip"),
      stats: document.getElementById("pg-stats"),
    });
    window.__pgMap = map;
    window.network = map.network;
    var on = function (id, fn) {
      var node = document.getElementById(id);
      if (node) node.addEventListener("click", fn);
    };
    on("pg-fit", map.fit);
    on("pg-export-png", map.exportPNG);
    on("pg-export-json", map.exportJSON);
  }

  window.PartnerGraph = { createMap: createMap, renderLegend: renderLegend, readPayload: readPayload, el: el, clear: clear };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autostart);
  else autostart();
})();
