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

  /* The page's message catalogue (i18n/locales, sent as JSON in #pg-messages): t("Legend"),
     t("{count} nodes", { count: 3 }); an id the catalogue lacks shows as it is (English). */
  var messages = null;
  function t(id, values) {
    if (messages === null) {
      var script = document.getElementById("pg-messages");
      try { messages = script ? JSON.parse(script.textContent) : {}; } catch (e) { messages = {}; }
    }
    var text = Object.prototype.hasOwnProperty.call(messages, id) ? messages[id] : id;
    return values ? text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    }) : text;
  }
  function language() { return document.documentElement.getAttribute("lang") || "en"; }
  /* A kind or relation type as the page's language names it (the server's labels), else as declared. */
  function kindLabel(style, kind) { return (style.kindLabels || {})[kind] || kind; }
  function relationLabel(style, type) { return (style.relationLabels || {})[type] || type; }

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
  function renderLegend(container, style, kinds, relations, sizeLabel, inferredShown) {
    clear(container);
    container.appendChild(el("h2", null, t("Legend")));
    if (sizeLabel) container.appendChild(el("p", "pg-legend-size", t("Node size: {measure}", { measure: sizeLabel })));
    /* One list of the legend: an entry per name, with its icon, its label and its description. */
    function legendList(className, label, attribute, names, entryOf, iconOf, labelOf) {
      var list = el("ul", className);
      list.setAttribute("aria-label", label);
      names.forEach(function (name) {
        var entry = entryOf(style, name);
        var li = el("li");
        li.setAttribute(attribute, name);
        li.title = entry.description || "";
        li.appendChild(iconOf(entry));
        li.appendChild(el("span", null, labelOf(style, name)));
        list.appendChild(li);
      });
      container.appendChild(list);
    }
    legendList("pg-legend-kinds", t("Node kinds"), "data-kind", orderLike(Object.keys(style.kinds), kinds), kindStyle, function (entry) {
      var icon = svg("svg", { width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true" });
      var shapeAttrs = Object.assign({}, entry.svg.attrs, { fill: entry.colour, stroke: entry.border, "stroke-width": 1.2 });
      icon.appendChild(svg(entry.svg.tag, shapeAttrs));
      return icon;
    }, kindLabel);
    legendList("pg-legend-relations", t("Relation types"), "data-relation", orderLike(Object.keys(style.relations), relations), relationStyle, function (entry) {
      var icon = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
      var line = { x1: 1, y1: 6, x2: entry.directed ? 27 : 33, y2: 6, stroke: entry.colour, "stroke-width": 2 };
      if (entry.dashes) line["stroke-dasharray"] = entry.dashes.join(" ");
      icon.appendChild(svg("line", line));
      if (entry.directed) icon.appendChild(svg("polygon", { points: "27,2 33,6 27,10", fill: entry.colour }));
      return icon;
    }, relationLabel);
    /* Inferred relations are dash-dotted and faded on every map: their entry, worded by the style (viz/style.py). */
    if (inferredShown && style.inferred) {
      var basisList = el("ul", "pg-legend-basis");
      basisList.setAttribute("aria-label", "Basis");
      var inf = style.inferred;
      var item = el("li");
      item.setAttribute("data-basis", inf.label);
      item.title = inf.description || "";
      var mark = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
      mark.appendChild(svg("line", { x1: 1, y1: 6, x2: 33, y2: 6, stroke: "#555555", "stroke-opacity": inf.opacity, "stroke-width": 2, "stroke-dasharray": inf.dashes.join(" ") }));
      item.appendChild(mark);
      item.appendChild(el("span", null, inf.label));
      basisList.appendChild(item);
      container.appendChild(basisList);
    }
  }

  function orderLike(order, wanted) {
    var set = {};
    wanted.forEach(function (w) { set[w] = true; });
    var known = order.filter(function (name) { return set[name]; });
    var unknown = Object.keys(set).filter(function (name) { return order.indexOf(name) < 0; }).sort();
    return known.concat(unknown);
  }

  /* Why a question picked an entity: one of viz/views.py's theme matches as a sentence. */
  function matchText(m) {
    var via = m.via_theme === m.theme ? m.theme_name : t("{theme} (part of {parent})", { theme: m.via_name, parent: m.theme_name });
    return m.relation + " " + via + (m.role ? ", " + m.role : "") + " · " + t(m.basis || "stated");
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
  /* Labels are drawn by us (drawLabels), not by vis-network, so that they can be culled. */
  function prepNodes(list) {
    return list.map(function (n) {
      var copy = Object.assign({}, n, { pgLabel: n.pgLabel !== undefined ? n.pgLabel : n.label, pgSize: n.pgSize || n.size });
      delete copy.label;
      return copy;
    });
  }

  function createMap(opts) {
    var data = opts.data;
    var style = data.style;
    var nodes = new vis.DataSet(prepNodes(data.nodes));
    var edges = new vis.DataSet(data.edges);
    var details = Object.assign({}, data.details);
    var edgeDetails = Object.assign({}, data.edgeDetails);
    var network = new vis.Network(opts.container, { nodes: nodes, edges: edges }, data.options);
    var map = {
      network: network, nodes: nodes, edges: edges, details: details, edgeDetails: edgeDetails,
      style: style, title: data.title, subtitle: data.subtitle, sizeLabel: data.sizeLabel || "", selected: null, ready: false,
      highlight: (data.highlight || []).slice(), labelBoxes: [], hover: null,
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
      ["fi", "sv", "en"].forEach(function (lang) { if (d["name_" + lang] && d["name_" + lang] !== d.name) names.push(lang + ": " + d["name_" + lang]); });
      box.appendChild(el("div", "pg-muted", [kindLabel(style, d.kind)].concat(names).filter(Boolean).join(" · ")));
      if (d.themes && d.themes.length) {
        box.appendChild(el("div", null, t("Themes: {themes}", { themes: d.themes.map(function (theme) { return theme.name; }).join(", ") })));
      }
      if (d.matches && d.matches.length) {
        box.appendChild(el("div", null, t("Matched: {reasons}", { reasons: d.matches.map(matchText).join("; ") })));
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
      box.appendChild(el("strong", null, relationLabel(style, d.type) + (d.role ? " (" + d.role + ")" : "")));
      box.appendChild(el("div", null, name(d.from) + " → " + name(d.to)));
      var when = [d.since ? t("since {date}", { date: d.since }) : "", d.until ? t("until {date}", { date: d.until }) : "", d.basis === "inferred" ? t("inferred") : ""];
      var extra = when.filter(Boolean).join(", ");
      if (extra) box.appendChild(el("div", "pg-muted", extra));
      return box;
    }
    network.on("hoverNode", function (params) {
      var group = map.clusters[params.node];
      showTooltip(group ? el("div", null, t("{group}: click to open the group", { group: group.label })) : nodeSummary(params.node), params.pointer.DOM);
    });
    network.on("hoverEdge", function (params) { showTooltip(edgeSummary(params.edge), params.pointer.DOM); });
    network.on("blurNode", hideTooltip);
    network.on("blurEdge", hideTooltip);
    network.on("dragStart", hideTooltip);
    network.on("zoom", hideTooltip);

    /* ---- hover: the node, its neighbours and their relations stand out; the rest fades ---- */
    var HOVER_LIMIT = 1500;  // above this, restyling every node per hover costs more than it helps
    function neighboursOf(key) {
      var out = {};
      out[key] = true;
      network.getConnectedNodes(key).forEach(function (k) { out[k] = true; });
      return out;
    }
    function fadeColour(colour, alpha) {
      var c = typeof colour === "object" && colour ? Object.assign({}, colour) : { color: colour };
      c.opacity = alpha;
      return c;
    }
    function hoverOn(key) {
      map.hover = neighboursOf(key);
      if (nodes.length > HOVER_LIMIT) { network.redraw(); return; }
      var near = map.hover;
      nodes.update(nodes.get({ fields: ["id", "hidden"] }).filter(function (n) { return !n.hidden; }).map(function (n) {
        return { id: n.id, opacity: near[n.id] ? 1 : 0.18 };
      }));
      edges.update(edges.get().map(function (e) {
        var base = e.pgColour || e.color;
        var touches = e.from === key || e.to === key;
        return { id: e.id, pgColour: base, color: touches ? base : fadeColour(base, 0.12) };
      }));
    }
    function hoverOff() {
      if (!map.hover) return;
      map.hover = null;
      if (nodes.length > HOVER_LIMIT) { network.redraw(); return; }
      nodes.update(nodes.get({ fields: ["id"] }).map(function (n) { return { id: n.id, opacity: 1 }; }));
      edges.update(edges.get().filter(function (e) { return e.pgColour; }).map(function (e) {
        return { id: e.id, color: e.pgColour };
      }));
    }
    network.on("hoverNode", function (params) { if (!map.clusters[params.node]) hoverOn(params.node); });
    network.on("blurNode", hoverOff);

    /* ---- labels: by importance, and only where they fit at this zoom (no two overlap) ---- */
    var LABEL_FONT = 12, LABEL_PAD = 2;
    var widths = {};
    function textWidth(ctx, text, font) {
      var id = font + "|" + text;
      if (widths[id] === undefined) {
        ctx.font = font;
        widths[id] = ctx.measureText(text).width;
      }
      return widths[id];
    }
    function importance(n) {
      var boost = 0;
      if (map.highlight.indexOf(n.id) >= 0) boost += 1e6;
      if (map.selected && map.selected.node === n.id) boost += 2e6;
      if (map.hover && map.hover[n.id]) boost += 1e5;
      return boost + (n.size || 0);
    }
    function drawLabels(ctx) {
      var canvas = ctx.canvas;
      var ratio = canvas.width / (canvas.clientWidth || canvas.width);
      var width = canvas.clientWidth, height = canvas.clientHeight;
      var scale = network.getScale();
      var drawn = {};
      network.body.nodeIndices.forEach(function (id) { drawn[id] = true; });
      var shown = nodes.get({ filter: function (n) { return !n.hidden && n.pgLabel && drawn[n.id]; } });
      Object.keys(map.clusters).forEach(function (id) {
        if (drawn[id]) shown.push({ id: id, pgLabel: map.clusters[id].label, size: map.clusters[id].size + 1e4 });
      });
      shown.sort(function (a, b) { return importance(b) - importance(a) || (a.id < b.id ? -1 : 1); });
      var positions = network.getPositions(shown.map(function (n) { return n.id; }));
      var placed = [], grid = {}, CELL = 64;
      function cells(box, fn) {
        for (var gx = Math.floor(box.x / CELL); gx <= Math.floor((box.x + box.w) / CELL); gx++) {
          for (var gy = Math.floor(box.y / CELL); gy <= Math.floor((box.y + box.h) / CELL); gy++) {
            if (fn(gx + ":" + gy) === false) return false;
          }
        }
        return true;
      }
      function free(box) {
        return cells(box, function (cell) {
          var list = grid[cell] || [];
          for (var i = 0; i < list.length; i++) {
            var o = list[i];
            if (box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h) return false;
          }
          return true;
        });
      }
      // A node is an obstacle to the labels of less important nodes: they never cover it.
      function block(dom, r) {
        var obstacle = { x: dom.x - r, y: dom.y - r, w: 2 * r, h: 2 * r };
        cells(obstacle, function (cell) { (grid[cell] = grid[cell] || []).push(obstacle); });
      }
      ctx.save();
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineJoin = "round";
      shown.forEach(function (n) {
        var at = positions[n.id];
        if (!at) return;
        var dom = network.canvasToDOM(at);
        var radius = (map.clusters[n.id] ? map.clusters[n.id].size : n.size || 10) * scale;
        if (dom.x < -200 || dom.y < -50 || dom.x > width + 200 || dom.y > height + 50) return;
        var strong = map.highlight.indexOf(n.id) >= 0 || (map.selected && map.selected.node === n.id);
        var font = (strong ? "bold " : "") + LABEL_FONT + "px system-ui, sans-serif";
        var w = textWidth(ctx, n.pgLabel, font) + 2 * LABEL_PAD;
        var box = { id: n.id, x: dom.x - w / 2, y: dom.y + radius + 2, w: w, h: LABEL_FONT + 2 * LABEL_PAD };
        if (box.x + box.w < 0 || box.y + box.h < 0 || box.x > width || box.y > height) { block(dom, radius); return; }
        if (!free(box)) { block(dom, radius); return; }
        block(dom, radius);
        placed.push(box);
        cells(box, function (cell) { (grid[cell] = grid[cell] || []).push(box); });
        ctx.font = font;
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(255,255,255,0.92)";
        ctx.strokeText(n.pgLabel, dom.x, box.y + LABEL_PAD);
        ctx.fillStyle = map.hover && !map.hover[n.id] ? "rgba(29,29,31,0.35)" : "#1d1d1f";
        ctx.fillText(n.pgLabel, dom.x, box.y + LABEL_PAD);
      });
      ctx.restore();
      map.labelBoxes = placed;
      map.labelCandidates = shown.length;
    }
    network.on("afterDrawing", drawLabels);

    /* ---- details panel ---- */
    var panel = opts.details;
    function showNode(key) {
      map.selected = { node: key };
      if (opts.onSelect) opts.onSelect(key);
      if (!panel) return;
      var d = details[key];
      clear(panel);
      if (!d) {
        panel.appendChild(el("p", "pg-hint", t("No details for {key}", { key: key })));
        return;
      }
      var entry = kindStyle(style, d.kind);
      var heading = el("h2", "pg-node-name", d.name);
      panel.appendChild(heading);
      var meta = el("div");
      var badge = el("span", "pg-kind-badge", kindLabel(style, d.kind));
      badge.style.background = entry.colour;
      meta.appendChild(badge);
      meta.appendChild(el("span", "pg-key", d.key));
      panel.appendChild(meta);
      panel.appendChild(definitionList([
        [t("Name (fi)"), d.name_fi],
        [t("Name (sv)"), d.name_sv],
        [t("Name (en)"), d.name_en],
        [t("Also"), d.aliases],
        [t("Web"), d.url ? safeLink(d.url) : null],
      ].concat(Object.keys(d.properties || {}).map(function (prop) {
        return [(style.propertyLabels || {})[prop] || prop.replace(/_/g, " "), typeof d.properties[prop] === "boolean" ? (d.properties[prop] ? t("yes") : t("no")) : d.properties[prop]];
      }))));
      var description = d["description_" + language()] || d.description_en || d.description_fi || d.description_sv;
      if (description) panel.appendChild(el("p", "pg-description", description));
      if (d.matches && d.matches.length) {
        panel.appendChild(el("h3", null, t("Why it matched")));
        var why = el("ul", "pg-matches");
        d.matches.forEach(function (m) { why.appendChild(el("li", null, matchText(m))); });
        panel.appendChild(why);
      }
      if (opts.extras) opts.extras("node", key, panel, map);
      if (d.themes && d.themes.length) {
        panel.appendChild(el("h3", null, t("Themes")));
        var themes = el("ul", "pg-themes");
        d.themes.forEach(function (theme) { themes.appendChild(itemFor(theme.key, theme.name)); });
        panel.appendChild(themes);
      }
      if (opts.mapRelations === false) { appendSources(d); return; }
      var related = edges.get({ filter: function (e) { return e.from === key || e.to === key; } });
      panel.appendChild(el("h3", null, t("Relations on this map ({count})", { count: related.length })));
      var list = el("ul", "pg-relations");
      related.forEach(function (e) {
        var ed = edgeDetails[e.id] || { type: e.type };
        var other = e.from === key ? e.to : e.from;
        var li = el("li");
        li.appendChild(document.createTextNode((e.from === key ? relationLabel(style, ed.type) + " → " : "← " + relationLabel(style, ed.type) + " ") ));
        li.appendChild(linkTo(other, name(other)));
        if (ed.role) li.appendChild(document.createTextNode(" (" + ed.role + ")"));
        if (ed.basis === "inferred") {
          li.setAttribute("data-basis", "inferred");
          li.appendChild(el("span", "pg-muted pg-inferred", " " + t("inferred")));
        }
        list.appendChild(li);
      });
      panel.appendChild(list);
      appendSources(d);
    }
    function appendSources(d) {
      panel.appendChild(el("h3", null, t("Sources")));
      if (d.sources && d.sources.length) d.sources.forEach(function (s) { panel.appendChild(quoteBlock(s)); });
      else panel.appendChild(el("p", "pg-hint", t("No provenance recorded.")));
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
      panel.appendChild(el("h2", null, relationLabel(style, d.type)));
      var ends = el("p");
      ends.appendChild(linkTo(d.from, name(d.from)));
      ends.appendChild(document.createTextNode(" → "));
      ends.appendChild(linkTo(d.to, name(d.to)));
      panel.appendChild(ends);
      var rel = relationStyle(style, d.type);
      panel.appendChild(definitionList([
        [t("Meaning"), rel.description], [t("Type"), d.type], [t("Role"), d.role], [t("Basis"), d.basis ? t(d.basis) : null],
        [t("Since"), d.since], [t("Until"), d.until], [t("Note"), d.note],
      ]));
      if (opts.extras) opts.extras("edge", id, panel, map);
      panel.appendChild(el("h3", null, t("Sources")));
      if (d.sources && d.sources.length) d.sources.forEach(function (s) { panel.appendChild(quoteBlock(s)); });
      else panel.appendChild(el("p", "pg-hint", t("No provenance recorded.")));
    }
    function focusNode(key) {
      if (!nodes.get(key)) return;
      network.selectNodes([key]);
      network.focus(key, { scale: Math.max(network.getScale(), 0.8), animation: { duration: 300 } });
      showNode(key);
    }
    network.on("click", function (params) {
      hideTooltip();
      if (params.nodes.length && openGroup(params.nodes[0])) return;
      if (params.nodes.length) showNode(params.nodes[0]);
      else if (params.edges.length) showEdge(params.edges[0]);
    });

    /* ---- legend and stats ---- */
    function refreshLegend() {
      var kinds = {}, types = {}, inferredShown = false;
      nodes.forEach(function (n) { if (!n.hidden) kinds[n.kind] = true; });
      edges.forEach(function (e) {
        if (!edgeShown(e)) return;
        types[e.type] = true;
        if (e.basis === "inferred") inferredShown = true;
      });
      if (opts.legend) renderLegend(opts.legend, style, Object.keys(kinds), Object.keys(types), map.sizeLabel, inferredShown);
      if (opts.stats) {
        var shownNodes = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
        var shownEdges = edges.get({ filter: edgeShown }).length;
        var text = function (shown, all, what) {
          var values = { shown: shown.toLocaleString("en"), count: all.toLocaleString("en") };
          if (what === "nodes") return shown === all ? t("{count} nodes", values) : t("{shown} of {count} nodes", values);
          return shown === all ? t("{count} relations", values) : t("{shown} of {count} relations", values);
        };
        opts.stats.textContent = text(shownNodes, nodes.length, "nodes") + ", " + text(shownEdges, edges.length, "relations");
        opts.stats.setAttribute("data-nodes", String(shownNodes));
        opts.stats.setAttribute("data-edges", String(shownEdges));
      }
    }
    function edgeShown(e) {
      if (e.hidden) return false;
      var a = nodes.get(e.from), b = nodes.get(e.to);
      return !!(a && b && !a.hidden && !b.hidden);
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
      prepNodes(payload.nodes).forEach(function (n) {
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
      nodes.add(prepNodes(payload.nodes).map(function (n) { return Object.assign({}, n, { physics: false }); }));
      edges.add(payload.edges);
      map.title = payload.title;
      map.subtitle = payload.subtitle;
      map.sizeLabel = payload.sizeLabel || "";
      map.highlight = (payload.highlight || []).slice();
      map.selected = null;
      refreshLegend();
      network.fit();
    }

    /* ---- grouping: one node per kind (the seeds stay apart); a click opens a group ---- */
    map.clusters = {};
    function ungroup() {
      Object.keys(map.clusters).forEach(function (id) { if (network.isCluster(id)) network.openCluster(id); });
      map.clusters = {};
    }
    /* Group by "kind", or by "theme" (each entity under the first of its themes, by name; themes
       themselves and entities without one stay apart). */
    function groupOf(by, n) {
      if (by === "kind") return n.kind ? { id: "group:" + n.kind, name: n.kind, kind: n.kind } : null;
      if (n.kind === style.themeKind) return { id: "group:theme:" + n.id, name: name(n.id), kind: null };  // a theme joins its own group
      var themes = ((details[n.id] || {}).themes || []).slice().sort(function (a, b) { return a.name.localeCompare(b.name); });
      if (!themes.length) return null;
      return { id: "group:theme:" + themes[0].key, name: themes[0].name, kind: null };
    }
    function groupBy(by, keepOut) {
      ungroup();
      var members = {}, info = {};
      nodes.forEach(function (n) {
        if (n.hidden || keepOut[n.id]) return;
        var g = groupOf(by, n);
        if (!g) return;
        (members[g.id] = members[g.id] || {})[n.id] = true;
        info[g.id] = g;
      });
      Object.keys(members).forEach(function (id) {
        var count = Object.keys(members[id]).length;
        if (count < 2) return;
        var g = info[id];
        var entry = g.kind ? kindStyle(style, g.kind) : Object.assign({}, kindStyle(style, "?"), { shape: "dot", colour: "#9aa5b1" });
        var size = Math.min(20 + 4 * Math.sqrt(count), 60);
        map.clusters[id] = { label: g.name + " (" + count + ")", size: size, kind: g.kind, count: count };
        var inGroup = members[id];
        network.cluster({
          joinCondition: function (o) { return !!inGroup[o.id]; },
          clusterNodeProperties: {
            id: id, kind: g.kind || "group", shape: entry.shape, size: size, borderWidth: 3,
            color: g.kind ? (entry.vis || {}).color || entry.colour : { background: "#e3e7ed", border: "#6b7785" }, label: "",
          },
          clusterEdgeProperties: { color: { color: "#9aa5b1", opacity: 0.6 }, dashes: false },
        });
      });
      network.redraw();
    }
    function groupByKind(keepOut) { groupBy("kind", keepOut); }

    /* What is drawn now (groups included), for laying it out, and moving it there. */
    function drawnGraph() {
      var keys = network.body.nodeIndices.slice();
      var pairs = network.body.edgeIndices.map(function (id) {
        var e = network.body.edges[id];
        return [e.fromId, e.toId];
      }).filter(function (p) { return p[0] !== p[1]; });
      return { keys: keys, pairs: pairs };
    }
    function moveDrawn(positions) {
      Object.keys(positions).forEach(function (id) {
        if (network.body.nodes[id]) network.moveNode(id, positions[id][0], positions[id][1]);
      });
      network.fit();
    }
    function openGroup(id) {
      if (!network.isCluster(id)) return false;
      network.openCluster(id);
      delete map.clusters[id];
      network.redraw();
      if (opts.onGroupOpened) opts.onGroupOpened(id);
      return true;
    }

    /* ---- layout and sizes of what is shown (after a filter) ---- */
    function shownGraph() {
      var keys = nodes.get({ filter: function (n) { return !n.hidden; }, fields: ["id"] }).map(function (n) { return n.id; });
      var pairs = edges.get({ filter: edgeShown }).map(function (e) { return [e.from, e.to]; });
      return { keys: keys, pairs: pairs };
    }
    function applyPositions(positions) {
      nodes.update(Object.keys(positions).filter(function (k) { return nodes.get(k); }).map(function (k) {
        return { id: k, x: positions[k][0], y: positions[k][1] };
      }));
      network.fit();
    }
    /* Brandes' betweenness over the relations shown (undirected, unweighted). */
    function betweenness() {
      var adj = {};
      var ids = nodes.get({ filter: function (n) { return !n.hidden; }, fields: ["id"] }).map(function (n) { return n.id; });
      ids.forEach(function (id) { adj[id] = {}; });
      edges.get({ filter: edgeShown }).forEach(function (e) {
        if (e.from !== e.to && adj[e.from] && adj[e.to]) { adj[e.from][e.to] = true; adj[e.to][e.from] = true; }
      });
      var lists = {};
      ids.forEach(function (id) { lists[id] = Object.keys(adj[id]); });
      var score = {};
      ids.forEach(function (id) { score[id] = 0; });
      ids.forEach(function (source) {
        var stack = [], preds = {}, sigma = {}, dist = {}, queue = [source], head = 0;
        sigma[source] = 1;
        dist[source] = 0;
        while (head < queue.length) {
          var v = queue[head++];
          stack.push(v);
          lists[v].forEach(function (w) {
            if (dist[w] === undefined) { dist[w] = dist[v] + 1; queue.push(w); }
            if (dist[w] === dist[v] + 1) { sigma[w] = (sigma[w] || 0) + sigma[v]; (preds[w] = preds[w] || []).push(v); }
          });
        }
        var delta = {};
        while (stack.length) {
          var w = stack.pop();
          (preds[w] || []).forEach(function (v) { delta[v] = (delta[v] || 0) + (sigma[v] / sigma[w]) * (1 + (delta[w] || 0)); });
          if (w !== source) score[w] += delta[w] || 0;
        }
      });
      return score;
    }
    function sizeBy(measure) {
      var degree = {};
      var between = measure === "betweenness" ? betweenness() : null;
      if (measure === "degree") {
        edges.get({ filter: edgeShown }).forEach(function (e) {
          degree[e.from] = degree[e.from] || {};
          degree[e.to] = degree[e.to] || {};
          degree[e.from][e.to] = degree[e.to][e.from] = true;
        });
      }
      var counts = {};
      var top = 0;
      nodes.forEach(function (n) {
        counts[n.id] = between ? between[n.id] || 0 : Object.keys(degree[n.id] || {}).length;
        if (!n.hidden && counts[n.id] > top) top = counts[n.id];
      });
      var low = style.minSize || 10, high = style.maxSize || 40;
      nodes.update(nodes.get({ fields: ["id", "pgSize"] }).map(function (n) {
        var size = measure === "degree" || measure === "betweenness" ? low + (high - low) * Math.sqrt(top ? counts[n.id] / top : 0)
          : measure === "equal" ? low + 4 : n.pgSize;
        return { id: n.id, size: Math.round(size * 100) / 100 };
      }));
    }

    /* ---- filters ---- */
    function filterNodes(keep, keepEdge) {
      var edgeUpdates = [];
      edges.forEach(function (e) {
        var hidden = keepEdge ? !keepEdge(e, edgeDetails[e.id] || {}) : false;
        if (!!e.hidden !== hidden) edgeUpdates.push({ id: e.id, hidden: hidden });
      });
      edges.update(edgeUpdates);
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
    /* A picture of the view for slides: title, the map as shown (labels as drawn), the legend,
       the date and a source line; as SVG, or as a PNG at twice the screen's size. */
    function composeSVG(meta) {
      meta = meta || {};
      var box = opts.container.getBoundingClientRect();
      var mapW = Math.round(box.width), mapH = Math.round(box.height);
      var legendW = 240, head = 64, foot = 40;
      var W = mapW + legendW, H = Math.max(mapH, 200) + head + foot;
      var root = svg("svg", { xmlns: SVG_NS, width: W, height: H, viewBox: "0 0 " + W + " " + H, "font-family": "system-ui, sans-serif" });
      root.appendChild(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }));
      var title = svg("text", { x: 16, y: 28, "font-size": 20, "font-weight": "bold", fill: "#1d1d1f" });
      title.textContent = meta.title || map.title || "partnergraph map";
      root.appendChild(title);
      var sub = svg("text", { x: 16, y: 50, "font-size": 13, fill: "#555555" });
      sub.textContent = meta.subtitle || map.subtitle || "";
      root.appendChild(sub);
      var scale = network.getScale();
      // a nested viewport clips the drawing to the map's area
      var drawing = svg("svg", { x: 0, y: head, width: mapW, height: mapH, viewBox: "0 0 " + mapW + " " + mapH });
      var shownEdges = edges.get({ filter: edgeShown });
      var shownNodes = nodes.get({ filter: function (n) { return !n.hidden; } });
      var pos = network.getPositions(shownNodes.map(function (n) { return n.id; }));
      function at(id) { return network.canvasToDOM(pos[id]); }
      shownEdges.forEach(function (e) {
        var a = at(e.from), b = at(e.to);
        var colour = e.color && e.color.color ? e.color.color : "#8a8a8a";
        var opacity = e.color && typeof e.color.opacity === "number" ? e.color.opacity : 0.8;
        var line = { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), stroke: colour, "stroke-width": 1.3, "stroke-opacity": opacity };
        if (Array.isArray(e.dashes)) line["stroke-dasharray"] = e.dashes.join(" ");
        drawing.appendChild(svg("line", line));
      });
      shownNodes.forEach(function (n) {
        var p = at(n.id);
        var entry = kindStyle(style, n.kind);
        var r = (n.size || 10) * scale;
        var k = r / 9;
        var shape = svg(entry.svg.tag, Object.assign({}, entry.svg.attrs, {
          fill: entry.colour, stroke: entry.border, "stroke-width": (1.2 / Math.max(k, 0.01)).toFixed(2),
          transform: "translate(" + (p.x - 9 * k).toFixed(1) + "," + (p.y - 9 * k).toFixed(1) + ") scale(" + k.toFixed(3) + ")",
        }));
        drawing.appendChild(shape);
      });
      map.labelBoxes.forEach(function (b) {
        var n = nodes.get(b.id);
        if (!n) return;
        var text = svg("text", { x: (b.x + b.w / 2).toFixed(1), y: (b.y + b.h - 4).toFixed(1), "font-size": 12, "text-anchor": "middle", fill: "#1d1d1f", stroke: "#ffffff", "stroke-width": 3, "paint-order": "stroke" });
        text.textContent = n.pgLabel;
        drawing.appendChild(text);
      });
      root.appendChild(drawing);
      // the legend: kinds and relation types in view, and what the sizes mean
      var legend = svg("g", { transform: "translate(" + (mapW + 12) + "," + head + ")" });
      var y = 8;
      function legendText(text, size, weight) {
        var label = svg("text", { x: 0, y: y, "font-size": size || 12, "font-weight": weight || "normal", fill: "#1d1d1f" });
        label.textContent = text;
        legend.appendChild(label);
      }
      legendText(t("Legend"), 14, "bold");
      y += 20;
      var kindsShown = {}, typesShown = {};
      shownNodes.forEach(function (n) { kindsShown[n.kind] = true; });
      shownEdges.forEach(function (e) { typesShown[e.type] = true; });
      orderLike(Object.keys(style.kinds), Object.keys(kindsShown)).forEach(function (kind) {
        var entry = kindStyle(style, kind);
        var icon = svg(entry.svg.tag, Object.assign({}, entry.svg.attrs, { fill: entry.colour, stroke: entry.border, transform: "translate(0," + (y - 13) + ") scale(0.9)" }));
        legend.appendChild(icon);
        var label = svg("text", { x: 24, y: y, "font-size": 12, fill: "#1d1d1f" });
        label.textContent = kindLabel(style, kind);
        legend.appendChild(label);
        y += 20;
      });
      orderLike(Object.keys(style.relations), Object.keys(typesShown)).forEach(function (type) {
        var entry = relationStyle(style, type);
        var line = { x1: 0, y1: y - 4, x2: 18, y2: y - 4, stroke: entry.colour, "stroke-width": 2 };
        if (entry.dashes) line["stroke-dasharray"] = entry.dashes.join(" ");
        legend.appendChild(svg("line", line));
        var label = svg("text", { x: 24, y: y, "font-size": 12, fill: "#1d1d1f" });
        label.textContent = relationLabel(style, type);
        legend.appendChild(label);
        y += 18;
      });
      if (map.sizeLabel) {
        y += 6;
        legendText(t("Node size:"), 11, "bold");
        y += 15;
        legendText(map.sizeLabel, 11);
      }
      root.appendChild(legend);
      var docs = {};
      shownNodes.forEach(function (n) { ((details[n.id] || {}).sources || []).forEach(function (s) { if (s.doc) docs[s.doc] = true; }); });
      shownEdges.forEach(function (e) { ((edgeDetails[e.id] || {}).sources || []).forEach(function (s) { if (s.doc) docs[s.doc] = true; }); });
      var footer = svg("text", { x: 16, y: H - 14, "font-size": 11, fill: "#555555" });
      var sources = Object.keys(docs).sort();
      var counts = { nodes: shownNodes.length, relations: shownEdges.length, documents: sources.join(", ") };
      footer.textContent = (meta.date || new Date().toISOString().slice(0, 10)) + " · " +
        (sources.length ? t("{nodes} nodes, {relations} relations · Source: partnergraph from {documents}", counts)
          : t("{nodes} nodes, {relations} relations · Source: partnergraph", counts)) + (meta.source ? " · " + meta.source : "");
      root.appendChild(footer);
      return new XMLSerializer().serializeToString(root);
    }
    function slideName(meta) { return slug((meta && meta.title) || map.title); }
    function exportSVG(meta) {
      var url = URL.createObjectURL(new Blob([composeSVG(meta)], { type: "image/svg+xml" }));
      download(slideName(meta) + ".svg", url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }
    function slidePNG(meta, factor) {
      factor = factor || 2;
      var text = composeSVG(meta);
      return new Promise(function (resolve, reject) {
        var url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
        var image = new Image();
        image.onload = function () {
          var canvas = document.createElement("canvas");
          canvas.width = image.width * factor;
          canvas.height = image.height * factor;
          var ctx = canvas.getContext("2d");
          ctx.scale(factor, factor);
          ctx.drawImage(image, 0, 0);
          URL.revokeObjectURL(url);
          resolve(canvas.toDataURL("image/png"));
        };
        image.onerror = function () { URL.revokeObjectURL(url); reject(new Error(t("the picture could not be drawn"))); };
        image.src = url;
      });
    }
    function exportPNG(meta) {
      return slidePNG(meta, 2).then(function (png) { download(slideName(meta) + ".png", png); });
    }
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
      if (!opts.deferReady) {  // the explorer says when its whole view (filters, layout) is ready
        window.__pgReady = true;
        document.body.setAttribute("data-ready", "1");
      }
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
      visibleKeys: visibleKeys, name: name, composeSVG: composeSVG, exportSVG: exportSVG, slidePNG: slidePNG,
      shownGraph: shownGraph, applyPositions: applyPositions, sizeBy: sizeBy, edgeShown: edgeShown,
      groupByKind: groupByKind, groupBy: groupBy, ungroup: ungroup, openGroup: openGroup, drawnGraph: drawnGraph, moveDrawn: moveDrawn,
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
    on("pg-export-png", function () { map.exportPNG(); });
    on("pg-export-svg", function () { map.exportSVG(); });
    on("pg-export-json", map.exportJSON);
  }

  window.PartnerGraph = {
    createMap: createMap, renderLegend: renderLegend, readPayload: readPayload, el: el, clear: clear, matchText: matchText,
    t: t, kindLabel: kindLabel, relationLabel: relationLabel,
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autostart);
  else autostart();
})();
