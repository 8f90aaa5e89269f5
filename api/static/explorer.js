/*
 * The explorer: search, filter, expand, paths, contacts and export over the JSON routes.
 * Builds on map.js (window.PartnerGraph); every text goes in with textContent.
 * An API key pasted by the user stays in sessionStorage (this tab) and is sent as X-API-Key.
 */
(function () {
  "use strict";

  var PG = window.PartnerGraph;
  var el = PG.el, clear = PG.clear, t = PG.t;
  var config = PG.readPayload("pg-config");
  var KEY_STORE = "partnergraph.apiKey";
  var LANG_STORE = "partnergraph.lang", LANG_COOKIE = "pg_lang";
  var state = { map: null, session: null, pathStart: null, pathEnd: null, views: 0, layouts: 0, view: null, filters: null, asOf: "", themePartners: null, themeList: null, payloadDates: false, answerSizeLabel: "" };

  function $(id) { return document.getElementById(id); }

  /* ---------------- HTTP ---------------- */

  function apiKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }

  function request(path, options) {
    options = options || {};
    var headers = Object.assign({ Accept: options.accept || "application/json" }, options.headers || {});
    var key = apiKey();
    if (key) headers["X-API-Key"] = key;
    return fetch(path, { method: options.method || "GET", headers: headers, body: options.body, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) return response;
        return response.text().then(function (text) {
          var detail = response.status + " " + response.statusText;
          try {
            var problem = JSON.parse(text);
            detail = problem.detail || problem.title || detail;
          } catch (e) { /* not JSON */ }
          var error = new Error(detail);
          error.status = response.status;
          throw error;
        });
      });
  }

  function getJSON(path) {
    return request(path).then(function (r) { return r.json(); });
  }

  /* Every item of a paged route (limit/offset/total), page by page. */
  var PAGE = 200;
  function getAll(path, params, field) {
    var items = [];
    function next(offset) {
      return getJSON(path + query(Object.assign({}, params, { limit: PAGE, offset: offset }))).then(function (data) {
        items = items.concat(data[field] || []);
        if ((data[field] || []).length === PAGE && items.length < (data.total || 0)) return next(offset + PAGE);
        return items;
      });
    }
    return next(0);
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      var value = params[name];
      (Array.isArray(value) ? value : [value]).forEach(function (v) {
        if (v !== undefined && v !== null && v !== "") parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(v));
      });
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* ---------------- status ---------------- */

  var statusTimer = null;
  function status(text, isError) {
    var bar = $("pg-status");
    bar.textContent = text;
    bar.hidden = !text;
    bar.classList.toggle("pg-error", !!isError);
    clearTimeout(statusTimer);
    if (text && !isError) statusTimer = setTimeout(function () { bar.hidden = true; }, 6000);
  }
  function fail(error) {
    var text = error && error.message ? error.message : String(error);
    if (error && error.status === 401) text += " " + t("Paste an API key with the “API key” button.");
    status(text, true);
  }

  /* ---------------- view state (lives in the URL) ---------------- */

  /* state.view: what the server was asked (base) and what was added to it since (adds);
     state.filters: what of it is shown; state.asOf: the date every question is asked for. */
  function defaultFilters(kinds) {
    return { kinds: kinds || null, types: null, basis: "", themes: [], themeMode: "all", focus: null, hops: 1, size: "degree", group: "" };
  }

  function list(params, name) {
    var value = params.get(name);
    return value ? value.split(",").filter(Boolean) : null;
  }

  function readURL() {
    var params = new URLSearchParams(location.search);
    var view = params.get("view");
    var keys = params.getAll("key");
    var depth = Number(params.get("depth")) || 1;
    var base;
    if (view === "themes") base = { type: "themes", themes: list(params, "q") || [], mode: params.get("mode") === "any" ? "any" : "all" };
    else if (view === "overview") base = { type: "overview" };
    else if (view === "paths") base = { type: "paths", start: params.get("start"), end: params.get("end") };
    else if (keys.length) base = { type: "neighbourhood", keys: keys, depth: depth };
    else base = { type: "neighbourhood", keys: [config.home.key], depth: 1, home: true };
    var filters = defaultFilters(list(params, "kinds") || (base.home && !params.has("kinds") ? config.home.kinds.slice() : null));
    filters.types = list(params, "types");
    filters.basis = ["stated", "inferred"].indexOf(params.get("basis")) >= 0 ? params.get("basis") : "";
    filters.themes = list(params, "themes") || [];
    filters.themeMode = params.get("theme_mode") === "any" ? "any" : "all";
    filters.focus = params.get("focus");
    filters.hops = Math.max(1, Math.min(6, Number(params.get("hops")) || 1));
    filters.size = ["degree", "betweenness", "answer", "equal"].indexOf(params.get("size")) >= 0 ? params.get("size") : "degree";
    filters.group = ["kind", "theme"].indexOf(params.get("group")) >= 0 ? params.get("group") : "";
    var adds = params.getAll("add").map(function (item) {
      var at = item.indexOf(":");
      var kind = item.slice(0, at), rest = item.slice(at + 1);
      if (kind === "paths") { var ends = rest.split("~"); return { type: "paths", start: ends[0], end: ends[1] }; }
      return { type: kind === "open" ? "open" : "expand", key: rest };
    }).filter(function (a) { return a.key || (a.start && a.end); });
    state.selected = params.get("sel");
    return { view: { base: base, adds: adds }, filters: filters, asOf: /^\d{4}-\d{2}-\d{2}$/.test(params.get("as_of") || "") ? params.get("as_of") : "" };
  }

  function viewURL() {
    var params = new URLSearchParams();
    var base = state.view.base;
    if (base.type === "neighbourhood") {
      if (!base.home) {
        base.keys.forEach(function (k) { params.append("key", k); });
        if (base.depth !== 1) params.set("depth", String(base.depth));
      }
    } else {
      params.set("view", base.type);
      if (base.type === "themes") { params.set("q", base.themes.join(",")); params.set("mode", base.mode); }
      if (base.type === "paths") { params.set("start", base.start); params.set("end", base.end); }
    }
    state.view.adds.forEach(function (a) {
      params.append("add", a.type === "paths" ? "paths:" + a.start + "~" + a.end : a.type + ":" + a.key);
    });
    var f = state.filters;
    if (f.kinds) params.set("kinds", f.kinds.join(","));
    else if (base.home) params.set("kinds", allKinds().join(","));
    if (f.types) params.set("types", f.types.join(","));
    if (f.basis) params.set("basis", f.basis);
    if (f.themes.length) { params.set("themes", f.themes.join(",")); params.set("theme_mode", f.themeMode); }
    if (f.focus) { params.set("focus", f.focus); params.set("hops", String(f.hops)); }
    if (f.size !== "degree") params.set("size", f.size);
    if (f.group) params.set("group", f.group);
    if (state.asOf) params.set("as_of", state.asOf);
    if (state.selected && state.map && state.map.nodes.get(state.selected)) params.set("sel", state.selected);
    var text = params.toString();
    return location.pathname + (text ? "?" + text : "");
  }

  function saveURL() {
    history.replaceState(null, "", viewURL());
    var box = $("pg-share-url");
    if (box) box.value = location.href;
  }

  /* ---------------- filters ---------------- */

  function boxes(container, name) {
    return Array.prototype.slice.call(container.querySelectorAll("input[name='" + name + "']"));
  }
  function checkedValues(container, name) {
    return boxes(container, name).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
  }
  function allKinds() { return boxes($("pg-kind-filter"), "kind").map(function (i) { return i.value; }); }
  function allTypes() { return boxes($("pg-type-filter"), "type").map(function (i) { return i.value; }); }
  function selectedThemes() { return checkedValues($("pg-theme-options"), "theme"); }
  function themeMode() {
    var picked = document.querySelector("input[name='theme-mode']:checked");
    return picked ? picked.value : "all";
  }

  /* The menus show state.filters (after reading the URL, Clear, or a view change). */
  function showFilters() {
    var f = state.filters;
    boxes($("pg-kind-filter"), "kind").forEach(function (i) { i.checked = !f.kinds || f.kinds.indexOf(i.value) >= 0; });
    boxes($("pg-type-filter"), "type").forEach(function (i) { i.checked = !f.types || f.types.indexOf(i.value) >= 0; });
    $("pg-basis").value = f.basis;
    boxes($("pg-theme-options"), "theme").forEach(function (i) { i.checked = f.themes.indexOf(i.value) >= 0; });
    Array.prototype.forEach.call(document.querySelectorAll("input[name='theme-mode']"), function (i) { i.checked = i.value === f.themeMode; });
    $("pg-as-of").value = state.asOf;
    $("pg-size").value = f.size;
    $("pg-group").value = f.group;
    $("pg-theme-filter").querySelector("summary").textContent = f.themes.length ? t("Themes ({count})", { count: f.themes.length }) : t("Themes");
    $("pg-kind-filter").querySelector("summary").textContent = f.kinds ? t("Kinds ({count})", { count: f.kinds.length }) : t("Kinds");
    $("pg-type-filter").querySelector("summary").textContent = f.types || f.basis ? t("Relations (filtered)") : t("Relations");
  }

  /* The menus' ticks into state.filters; "all ticked" is stored as null (no restriction). */
  function readFilters() {
    var kinds = checkedValues($("pg-kind-filter"), "kind");
    var types = checkedValues($("pg-type-filter"), "type");
    state.filters.kinds = kinds.length === allKinds().length ? null : kinds;
    state.filters.types = types.length === allTypes().length ? null : types;
    state.filters.basis = $("pg-basis").value;
  }

  function seeds() {
    var base = state.view.base;
    var out = {};
    (base.keys || []).forEach(function (k) { out[k] = true; });
    if (base.start) out[base.start] = true;
    if (base.end) out[base.end] = true;
    (base.themes || []).forEach(function (k) { out[k] = true; });
    return out;
  }

  /* Hide what the filters leave out, then lay out and size what is left, and update the URL. */
  function applyFilters(options) {
    options = options || {};
    if (!state.map) return Promise.resolve();
    var f = state.filters;
    var keep = seeds();
    var partners = state.themePartners;  // the server's answer for the theme filter
    var edgeOK = function (e, d) {
      if (f.types && f.types.indexOf(e.type) < 0) return false;
      if (f.basis && (d.basis || "stated") !== f.basis) return false;
      return true;
    };
    var nodeOK = function (node) {
      if (keep[node.id]) return true;
      if (f.kinds && f.kinds.indexOf(node.kind) < 0) return false;
      if (f.themes.length && partners && !partners[node.id]) return false;
      return true;
    };
    var map = state.map;
    var edgeFits = function (e) {
      var a = map.nodes.get(e.from), b = map.nodes.get(e.to);
      return a && b && edgeOK(e, map.edgeDetails[e.id] || {}) && nodeOK(a) && nodeOK(b);
    };
    // Relation filters: an entity left with no relation shown leaves the map (seeds stay).
    var linked = null;
    if (f.types || f.basis) {
      linked = {};
      map.edges.forEach(function (e) { if (edgeFits(e)) { linked[e.from] = true; linked[e.to] = true; } });
    }
    var near = f.focus && map.nodes.get(f.focus) ? hopsFrom(f.focus, f.hops, edgeFits) : null;
    map.filterNodes(function (node) {
      if (near && !near[node.id]) return false;
      if (!nodeOK(node)) return false;
      return !linked || !!keep[node.id] || !!linked[node.id] || node.id === f.focus;
    }, edgeOK);
    if (near) {
      $("pg-focus-text").textContent = f.hops > 1 ? t("Focus on {name}: {hops} hops out", { name: map.name(f.focus), hops: f.hops })
        : t("Focus on {name}: 1 hop out", { name: map.name(f.focus) });
      $("pg-focus-bar").hidden = false;
    } else {
      $("pg-focus-bar").hidden = true;
    }
    map.ungroup();
    map.sizeBy(f.size);
    map.sizeLabel = f.size === "degree" ? t("relations shown on this map (degree)")
      : f.size === "betweenness" ? t("how often it lies on the shortest paths between others shown (brokerage, betweenness)")
      : f.size === "equal" ? t("all the same") : (state.answerSizeLabel || t("as the question sized them"));
    map.refreshLegend();
    $("pg-view-title").textContent = map.title || "";
    showFilters();
    saveURL();
    var group = function () {
      if (!f.group) return null;
      map.groupBy(f.group, keep);
      return layoutOf(map.drawnGraph()).then(function (positions) { if (positions) map.moveDrawn(positions); });
    };
    if (options.layout === false) return Promise.resolve(group()).catch(fail);
    return relayout().then(group).catch(fail);
  }

  /* The nodes within `hops` relations of `key`, over the relations the filters leave. */
  function hopsFrom(key, hops, edgeFits) {
    var next = {};
    state.map.edges.forEach(function (e) {
      if (!edgeFits(e)) return;
      (next[e.from] = next[e.from] || []).push(e.to);
      (next[e.to] = next[e.to] || []).push(e.from);
    });
    var seen = {};
    seen[key] = true;
    var frontier = [key];
    for (var i = 0; i < hops; i++) {
      var step = [];
      frontier.forEach(function (k) {
        (next[k] || []).forEach(function (o) { if (!seen[o]) { seen[o] = true; step.push(o); } });
      });
      frontier = step;
    }
    return seen;
  }

  /* The maps' own layout (viz/layout.py) over what is shown, so a filtered view is laid out anew. */
  var layoutTicket = 0;
  function layoutOf(graph) {
    if (!graph.keys.length) return Promise.resolve(null);
    var ticket = ++layoutTicket;
    return request(config.routes.layout, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(graph),
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (ticket !== layoutTicket) return null;  // a newer filter asked for another layout meanwhile
      state.layouts += 1;
      document.body.setAttribute("data-layouts", String(state.layouts));
      return answer.positions;
    });
  }

  function relayout() {
    return layoutOf(state.map.shownGraph()).then(function (positions) {
      if (positions) state.map.applyPositions(positions);
    }).catch(fail);
  }

  /* The theme filter asks the server who works on the ticked themes (sub-themes included). */
  function loadThemePartners() {
    var f = state.filters;
    if (!f.themes.length) { state.themePartners = null; return Promise.resolve(); }
    return getAll(config.routes.partners, { theme: f.themes, mode: f.themeMode, as_of: state.asOf }, "partners").then(function (partners) {
      var keep = {};
      partners.forEach(function (p) { keep[p.entity.key] = true; });
      f.themes.forEach(function (t) { keep[t] = true; });
      state.themePartners = keep;
    });
  }

  function loadThemeList() {
    return getAll(config.routes.themeList, {}, "themes").then(function (themes) {
      state.themeList = themes;
      renderThemeOptions();
    }).catch(function () { state.themeList = []; renderThemeOptions(); });
  }

  function themeName(theme) { return entityName(theme); }
  /* A name in the page's language, else another (as graph.model.display_name on the server). */
  var FALLBACK = { fi: ["fi", "en", "sv"], sv: ["sv", "en", "fi"], en: ["en", "fi", "sv"] };
  function entityName(entity) {
    var order = FALLBACK[document.documentElement.lang] || FALLBACK.en;
    for (var i = 0; i < order.length; i++) if (entity["name_" + order[i]]) return entity["name_" + order[i]];
    return entity.name || entity.key;
  }

  function renderThemeOptions() {
    var box = $("pg-theme-options");
    clear(box);
    var themes = state.themeList || [];
    if (!themes.length) { box.appendChild(el("p", "pg-hint", t("No themes."))); return; }
    var byKey = {};
    themes.forEach(function (t) { byKey[t.key] = t; });
    var tops = themes.filter(function (t) { return !(t.parents || []).some(function (p) { return byKey[p]; }); });
    tops.sort(function (a, b) { return themeName(a).localeCompare(themeName(b)); });
    function row(t, sub) {
      var label = el("label", sub ? "pg-sub" : null);
      var input = el("input");
      input.type = "checkbox";
      input.name = "theme";
      input.value = t.key;
      input.checked = state.filters.themes.indexOf(t.key) >= 0;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + themeName(t)));
      box.appendChild(label);
    }
    tops.forEach(function (t) {
      row(t, false);
      (t.children || []).map(function (k) { return byKey[k]; }).filter(Boolean)
        .sort(function (a, b) { return themeName(a).localeCompare(themeName(b)); })
        .forEach(function (c) { row(c, true); });
    });
  }

  /* ---------------- map ---------------- */

  function extras(kind, id, panel, map) {
    if (kind !== "node") return;
    var actions = el("div", "pg-actions");
    function action(label, fn, name) {
      var button = el("button", "pg-button", label);
      button.type = "button";
      if (name) button.setAttribute("data-action", name);
      button.addEventListener("click", fn);
      actions.appendChild(button);
      return button;
    }
    action(t("Expand neighbours"), function () { expand(id); }, "expand");
    action(t("Focus here"), function () { setFocus(id, 1); }, "focus");
    action(t("Paths from here"), function () { setPathEnd("start", id); }, "path-start");
    action(t("Paths to here"), function () { setPathEnd("end", id); }, "path-end");
    var box = el("section", "pg-contacts");
    action(t("Contacts"), function () { loadContacts(id, box); }, "contacts");
    var brief = el("a", "pg-button", t("Briefing"));
    brief.href = "/briefings/" + encodeURIComponent(id) + "?lang=" + encodeURIComponent(document.documentElement.lang || "en");
    brief.target = "_blank";
    brief.rel = "noopener";
    brief.setAttribute("data-action", "briefing");
    actions.appendChild(brief);
    panel.appendChild(actions);
    panel.appendChild(box);
    var all = el("details", "pg-all-relations");
    all.open = true;
    all.appendChild(el("summary", null, t("Relations…")));
    panel.appendChild(all);
    loadRelations(id, all);
  }

  /* Every relation of the entity (the API's entity route), each with its sentence, section and
     basis inline, not only those on the map. */
  function loadRelations(key, box) {
    getJSON(config.routes.entity + encodeURIComponent(key) + query({ as_of: state.asOf })).then(function (data) {
      var groups = data.relations || {};
      var count = 0;
      var list = el("ul", "pg-rel-list");
      Object.keys(groups).sort().forEach(function (type) {
        groups[type].forEach(function (rel) {
          count += 1;
          var other = rel.other || {};
          var li = el("li");
          li.setAttribute("data-relation", type);
          li.setAttribute("data-other", other.key || "");
          var head = el("div", "pg-rel-head");
          var typeLabel = PG.relationLabel(state.map ? state.map.style || {} : {}, type);
          head.appendChild(document.createTextNode(rel.direction === "out" ? typeLabel + " → " : "← " + typeLabel + " "));
          var name = entityName(other);
          var button = el("button", "pg-link", name);
          button.type = "button";
          button.setAttribute("data-key", other.key);
          button.addEventListener("click", function () { openEntity(other.key); });
          head.appendChild(button);
          if (rel.role) head.appendChild(document.createTextNode(" (" + rel.role + ")"));
          var basis = rel.basis || "stated";
          head.appendChild(el("span", "pg-basis pg-basis-" + basis, t(basis)));
          var when = [rel.since ? t("since {date}", { date: rel.since }) : "", rel.until ? t("until {date}", { date: rel.until }) : ""].filter(Boolean).join(", ");
          if (when) head.appendChild(el("span", "pg-muted", " " + when));
          if (!state.map || !state.map.nodes.get(other.key)) head.appendChild(el("span", "pg-muted", " · " + t("not on the map")));
          li.appendChild(head);
          (rel.sources || []).forEach(function (source) {
            var quote = el("blockquote", "pg-quote");
            var manual = source.quote ? "" : "Entered by " + source.by + " on " + source.at + ": " + source.note;
            quote.appendChild(el("div", "pg-quote-text", source.quote || manual));
            var cite = [source.doc, source.section].filter(Boolean).join(", ");
            if (cite) quote.appendChild(el("footer", null, cite));
            li.appendChild(quote);
          });
          if (!(rel.sources || []).length) li.appendChild(el("div", "pg-hint", rel.note || t("No sentence recorded for this relation.")));
          list.appendChild(li);
        });
      });
      box.querySelector("summary").textContent = t("All relations in the graph ({count}), with their sources", { count: count });
      box.appendChild(list);
    }).catch(function (error) {
      box.querySelector("summary").textContent = t("All relations: {error}", { error: error.message });
    });
  }

  /* Who to contact about an entity (the API's contacts route). E-mail and phone come back only
     for keys with the contacts role (and the API audits that read), so they load on request. */
  function contactSteps() {
    return {
      direct: t("direct link"),
      membership_owner: t("found through the membership owner"),
      leading_unit: t("found through the leading unit"),
    };
  }

  function loadContacts(key, box) {
    clear(box);
    box.appendChild(el("h3", null, t("Contacts")));
    var body = el("div", "pg-hint", t("Loading contacts…"));
    box.appendChild(body);
    getJSON(config.routes.contacts + query({ key: key, limit: 50 })).then(function (data) {
      clear(body);
      body.className = "";
      var list = el("ul", "pg-contact-list");
      (data.contacts || []).forEach(function (c) {
        var li = el("li");
        var person = c.person || {};
        var name = entityName(person);
        li.appendChild(state.map && state.map.nodes.get(person.key) ? linkButton(person.key, name) : el("strong", null, name));
        var title = c["title_" + (document.documentElement.lang || "en")] || c.title_en || c.title_fi;
        /* How the contact was found (the contact rule's step) and whether it is stated or inferred:
           data attributes for styling and tests; the words come from the catalogue. */
        li.setAttribute("data-step", c.step || "direct");
        li.setAttribute("data-basis", c.basis || "stated");
        var how = [
          title,
          c.relation + (c.role ? " (" + c.role + ")" : ""),
          c.via ? t("via {name}", { name: c.via }) : "",
          contactSteps()[c.step] || "",
        ].filter(Boolean);
        li.appendChild(el("div", "pg-muted", how.join(" · ")));
        if (c.basis === "inferred") li.appendChild(el("span", "pg-basis pg-basis-inferred", t("inferred")));
        var pairs = [];
        if (c.email) pairs.push([t("e-mail"), c.email, "email"]);
        if (c.phone) pairs.push([t("phone"), c.phone, "phone"]);
        if (pairs.length) {
          var dl = el("dl");
          pairs.forEach(function (pair) {
            dl.appendChild(el("dt", null, pair[0]));
            var dd = el("dd");
            if (pair[2] === "email" && /^[^@\s<>"':]+@[^@\s<>"']+$/.test(pair[1])) {
              var link = el("a", null, pair[1]);
              link.href = "mailto:" + pair[1];
              dd.appendChild(link);
            } else {
              dd.textContent = pair[1];
            }
            dl.appendChild(dd);
          });
          li.appendChild(dl);
        }
        list.appendChild(li);
      });
      if (!(data.contacts || []).length) body.appendChild(el("p", "pg-hint", t("No contacts recorded.")));
      else body.appendChild(list);
      if (!data.includes_personal) {
        body.appendChild(el("p", "pg-hint", t("E-mail addresses and phone numbers need an API key with the contacts role.")));
      }
    }).catch(function (error) {
      body.textContent = t("Contacts unavailable: {error}", { error: error.message });
    });
  }

  function linkButton(key, label) {
    var button = el("button", "pg-link", label);
    button.type = "button";
    button.addEventListener("click", function () { state.map.focusNode(key); });
    return button;
  }

  function mount(payload) {
    var map = PG.createMap({
      container: $("pg-network"),
      data: payload,
      legend: $("pg-legend"),
      details: $("pg-details"),
      tooltip: $("pg-tooltip"),
      stats: $("pg-stats"),
      extras: extras,
      mapRelations: false,  // the panel lists every relation with its sentence instead
      deferReady: true,
      onSelect: function (key) { state.selected = key; if (state.ready) saveURL(); },
      onGroupOpened: function () {
        layoutOf(state.map.drawnGraph()).then(function (positions) {
          if (positions) state.map.moveDrawn(positions);
        }).catch(fail);
      },
    });
    state.map = map;
    window.__pgMap = map;
    window.network = map.network;
    map.network.on("doubleClick", function (params) {
      if (params.nodes.length) expand(params.nodes[0]);
    });
    // Two nodes picked (Ctrl/Cmd-click or a long press for the second): offer the paths between them.
    map.network.on("selectNode", function () {
      var picked = map.network.getSelectedNodes();
      if (picked.length === 2) {
        state.pathStart = picked[0];
        setPathEnd("end", picked[1]);
      }
    });
    map.network.on("click", function (params) {
      if (!params.nodes.length && !params.edges.length) { state.selected = null; showHint(); saveURL(); }
    });
    return map;
  }

  /* The theme map's answer in the panel: every partner and why it matched, without a click. */
  function showThemeAnswer() {
    var map = state.map;
    var panel = $("pg-details");
    clear(panel);
    var partners = Object.keys(map.details).filter(function (k) { return (map.details[k].matches || []).length; })
      .sort(function (a, b) { return map.details[b].matches.length - map.details[a].matches.length || map.name(a).localeCompare(map.name(b)); });
    panel.appendChild(el("h2", null, map.title));
    panel.appendChild(el("p", "pg-muted", map.subtitle || ""));
    var list = el("ul", "pg-theme-answer");
    partners.forEach(function (key) {
      var li = el("li");
      li.setAttribute("data-key", key);
      var button = el("button", "pg-link", map.name(key));
      button.type = "button";
      button.addEventListener("click", function () { map.focusNode(key); });
      li.appendChild(button);
      li.appendChild(el("span", "pg-muted", " " + PG.kindLabel(map.style || {}, map.details[key].kind || "")));
      var why = el("ul", "pg-matches");
      map.details[key].matches.forEach(function (m) { why.appendChild(el("li", null, PG.matchText(m))); });
      li.appendChild(why);
      list.appendChild(li);
    });
    panel.appendChild(list);
  }

  function showHint() {
    var panel = $("pg-details");
    clear(panel);
    panel.appendChild(document.importNode($("pg-details-hint").content, true));
  }

  function notice(payload) {
    if (payload.notice) status(payload.notice);
  }

  function fetchBase(base, undated) {
    var asOf = undated ? "" : state.asOf;
    if (base.type === "themes") {
      return getJSON(config.routes.themes + query({ theme: base.themes, mode: base.mode, as_of: asOf }));
    }
    if (base.type === "overview") return getJSON(config.routes.overview);
    if (base.type === "paths") return getJSON(config.routes.paths + query({ start: base.start, end: base.end, as_of: asOf }));
    return getJSON(config.routes.neighbourhood + query({ key: base.keys, depth: base.depth, as_of: asOf }));
  }

  function fetchAdd(add) {
    if (add.type === "paths") return getJSON(config.routes.paths + query({ start: add.start, end: add.end, as_of: state.asOf }));
    return getJSON(config.routes.neighbourhood + query({ key: add.key, depth: 1, as_of: state.asOf }));
  }

  function anchorOf(add) {
    var key = add.type === "paths" ? add.start : add.key;
    return add.type === "open" ? null : state.map && state.map.nodes.get(key) ? key : null;
  }

  /* Load the view: the base question, then every addition in order (a shared link replays them). */
  function loadView() {
    var base = state.view.base;
    return fetchBase(base).then(function (payload) {
      if (state.map) state.map.replacePayload(payload);
      else mount(payload);
      state.answerSizeLabel = payload.sizeLabel;
      state.payloadDates = hasDates(payload);
      notice(payload);
      var chain = Promise.resolve();
      state.view.adds.forEach(function (add) {
        chain = chain.then(function () { return fetchAdd(add); }).then(function (more) {
          state.map.addPayload(more, anchorOf(add));
          state.payloadDates = state.payloadDates || hasDates(more);
        }).catch(fail);
      });
      return chain;
    }).then(function () {
      return loadThemePartners();
    }).then(function () {
      // Nothing dated in view on that day: were dated relations left out by the date, or are there none?
      state.hiddenByDate = false;
      if (!state.asOf || state.payloadDates) return null;
      return fetchBase(base, true).then(function (all) { state.hiddenByDate = hasDates(all); });
    }).then(function () {
      dateNote();
      return applyFilters();
    }).then(function () {
      if (state.selected && state.map.nodes.get(state.selected)) {
        state.map.showNode(state.selected);  // a shared link reopens the details it showed
        if (!state.map.nodes.get(state.selected).hidden) state.map.network.selectNodes([state.selected]);
      } else if (base.type === "themes") {
        showThemeAnswer();
      }
      state.ready = true;
      saveURL();
      state.views += 1;
      document.body.setAttribute("data-views", String(state.views));  // a view (re)loaded
      window.__pgReady = true;
      document.body.setAttribute("data-ready", "1");
    });
  }

  function addToView(add, payload) {
    state.view.adds.push(add);
    state.payloadDates = state.payloadDates || hasDates(payload);
    dateNote();
  }

  function expand(key) {
    status(t("Expanding {name}…", { name: state.map ? state.map.name(key) : key }));
    var add = { type: "expand", key: key };
    return fetchAdd(add).then(function (payload) {
      var added = state.map.addPayload(payload, anchorOf(add));
      addToView(add, payload);
      notice(payload);
      return applyFilters({ layout: false }).then(function () {
        var shown = added.nodes.filter(function (k) { return !state.map.nodes.get(k).hidden; });
        status(!added.nodes.length ? t("No new neighbours.")
          : shown.length < added.nodes.length ? t("Added {count} nodes ({shown} shown by the filters).", { count: added.nodes.length, shown: shown.length })
          : t("Added {count} nodes.", { count: added.nodes.length }));
        state.map.showNode(key);
        document.body.setAttribute("data-expanded", String(Date.now()));
      });
    }).catch(fail);
  }

  function openEntity(key) {
    if (state.map && state.map.nodes.get(key)) {
      if (state.map.nodes.get(key).hidden) {
        status(t("{name} is hidden by the filters; showing it anyway.", { name: state.map.name(key) }));
        state.map.nodes.update({ id: key, hidden: false });
      }
      state.map.focusNode(key);
      return Promise.resolve();
    }
    var add = { type: "open", key: key };
    return fetchAdd(add).then(function (payload) {
      state.map.addPayload(payload, null);
      addToView(add, payload);
      return applyFilters({ layout: false }).then(function () {
        if (state.map.nodes.get(key).hidden) state.map.nodes.update({ id: key, hidden: false });
        state.map.focusNode(key);
      });
    }).catch(fail);
  }

  /* ---------------- focus ---------------- */

  function setFocus(key, hops) {
    state.filters.focus = key;
    state.filters.hops = Math.max(1, Math.min(6, hops));
    return applyFilters();
  }

  /* ---------------- timeline ---------------- */

  function hasDates(payload) {
    var details = payload.edgeDetails || {};
    return Object.keys(details).some(function (id) { return details[id].since || details[id].until; });
  }

  function dateNote() {
    var note = $("pg-date-note");
    if (state.asOf && !state.payloadDates) {
      note.textContent = state.hiddenByDate
        ? t("On {date} none of the dated relations of this view hold yet (or any more): they are left out.", { date: state.asOf })
        : t("Nothing in this view carries a date, so “as of {date}” changes nothing here.", { date: state.asOf });
      note.hidden = false;
    } else {
      note.hidden = true;
    }
  }

  /* ---------------- search ---------------- */

  function resultsOf(data) {
    var rows = Array.isArray(data) ? data : data.items || data.results || data.hits || [];
    return rows.map(function (row) {
      var entity = row.entity || row.node || row;
      return {
        key: entity.key,
        kind: entity.kind,
        name: entityName(entity),
        other: ["fi", "sv", "en"].map(function (l) { return entity["name_" + l]; }).filter(function (n) { return n && n !== entityName(entity); })[0] || "",
      };
    }).filter(function (r) { return r.key; });
  }

  function search(text) {
    var list = $("pg-search-results");
    return getJSON(config.routes.search + query({ q: text, limit: 20 })).then(function (data) {
      clear(list);
      var rows = resultsOf(data);
      if (!rows.length) list.appendChild(el("li", "pg-hint", t("Nothing found for “{text}”.", { text: text })));
      rows.forEach(function (row) {
        var li = el("li");
        var button = el("button", null, row.name);
        button.type = "button";
        button.setAttribute("data-key", row.key);
        button.appendChild(el("span", "pg-muted", [PG.kindLabel(state.map ? state.map.style || {} : {}, row.kind), row.other].filter(Boolean).join(" · ")));
        button.addEventListener("click", function () {
          list.hidden = true;
          openEntity(row.key);
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      list.hidden = false;
    }).catch(fail);
  }

  /* ---------------- paths ---------------- */

  function setPathEnd(which, key) {
    if (which === "start") state.pathStart = key;
    else state.pathEnd = key;
    var bar = $("pg-path-bar");
    var name = function (k) { return k ? state.map.name(k) : "…"; };
    $("pg-path-text").textContent = t("Paths from {start} to {end}", { start: name(state.pathStart), end: name(state.pathEnd) });
    $("pg-path-go").disabled = !(state.pathStart && state.pathEnd && state.pathStart !== state.pathEnd);
    bar.hidden = false;
  }

  function showPaths() {
    var start = state.pathStart, end = state.pathEnd;
    var add = { type: "paths", start: start, end: end };
    return fetchAdd(add).then(function (payload) {
      state.map.addPayload(payload, anchorOf(add));
      addToView(add, payload);
      return applyFilters({ layout: false }).then(function () {
        var onPath = payload.nodes.map(function (n) { return n.id; });
        state.map.nodes.update(onPath.map(function (k) { return { id: k, hidden: false }; }));
        var edges = payload.edges.map(function (e) { return e.id; });
        state.map.network.setSelection({ nodes: onPath, edges: edges }, { highlightEdges: false });
        state.map.network.fit({ nodes: onPath, animation: { duration: 300 } });
        status(payload.nodes.length ? t("Showing the shortest paths ({count} nodes).", { count: onPath.length }) : t("No path between them."));
        document.body.setAttribute("data-paths", String(onPath.length));
      });
    }).catch(fail);
  }

  /* ---------------- export ---------------- */

  function viewTitle() {
    return state.map ? state.map.title : t("partnergraph map");
  }

  function slideMeta() {
    var f = state.filters;
    var parts = [];
    if (state.map.subtitle) parts.push(state.map.subtitle);
    if (f.kinds) parts.push(t("kinds: {names}", { names: f.kinds.map(function (k) { return PG.kindLabel(state.map.style || {}, k); }).join(", ") }));
    if (f.types) parts.push(t("relations: {names}", { names: f.types.map(function (r) { return PG.relationLabel(state.map.style || {}, r); }).join(", ") }));
    if (f.basis) parts.push(f.basis === "inferred" ? t("inferred only") : t("stated only"));
    if (f.themes.length) parts.push(t("themes: {names}", { names: f.themes.join(", ") }));
    if (f.focus) parts.push(t("focus: {name}, {hops} hop(s)", { name: state.map.name(f.focus), hops: f.hops }));
    var today = new Date().toISOString().slice(0, 10);
    return {
      title: viewTitle(),
      subtitle: parts.join(" · "),
      date: (state.asOf ? t("As of {date}", { date: state.asOf }) : t("Current relations")) + " · " + t("exported {date}", { date: today }),
    };
  }

  function exportView(format) {
    if (!state.map) return;
    var keys = state.map.visibleKeys();
    var name = viewTitle();
    return request(config.routes.export, {
      method: "POST",
      accept: "*/*",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ keys: keys, format: format, title: name.slice(0, 200) }),
    }).then(function (response) {
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = document.createElement("a");
      link.href = url;
      link.download = slug(name) + "." + format;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(fail);
  }

  function slug(text) {
    return String(text || "map").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80) || "map";
  }

  /* ---------------- session / API key ---------------- */

  function loadSession() {
    return getJSON(config.routes.session).then(function (session) {
      state.session = session;
      $("pg-role").textContent = session.anonymous ? t("anonymous ({role})", { role: session.role }) : session.name + " (" + session.role + ")";
      return session;
    });
  }

  function start() {
    var read = readURL();
    state.view = read.view;
    state.filters = read.filters;
    state.asOf = read.asOf;
    state.pathStart = state.pathEnd = null;
    showHint();
    showFilters();
    return loadSession().then(loadView).catch(function (error) {
      // The home entity may be missing (another dataset): open on the theme overview instead.
      if (error && error.status === 404 && state.view.base.home) {
        state.view = { base: { type: "overview" }, adds: [] };
        state.filters = defaultFilters(null);
        status(t("The home entity “{key}” is not in the graph: showing the themes.", { key: config.home.key }));
        return loadView();
      }
      fail(error);
    });
  }

  /* ---------------- wiring ---------------- */

  $("pg-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("pg-search-input").value.trim();
    if (text) search(text);
  });
  document.addEventListener("click", function (event) {
    if (!$("pg-search").contains(event.target)) $("pg-search-results").hidden = true;
    // one menu open at a time; a click elsewhere closes them
    Array.prototype.forEach.call(document.querySelectorAll("details.pg-menu[open]"), function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    Array.prototype.forEach.call(document.querySelectorAll("details.pg-menu[open]"), function (menu) { menu.open = false; });
  });
  function onFilterChange() { readFilters(); applyFilters(); }
  $("pg-kind-filter").addEventListener("change", onFilterChange);
  $("pg-type-filter").addEventListener("change", onFilterChange);
  Array.prototype.forEach.call(document.querySelectorAll(".pg-only"), function (button) {
    button.addEventListener("click", function () {
      var menu = button.closest("details");
      var name = menu.id === "pg-kind-filter" ? "kind" : "type";
      boxes(menu, name).forEach(function (i) { i.checked = i.value === button.getAttribute("data-only"); });
      onFilterChange();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-all]"), function (button) {
    button.addEventListener("click", function () {
      var menu = button.closest("details");
      boxes(menu, button.getAttribute("data-all")).forEach(function (i) { i.checked = true; });
      if (menu.id === "pg-type-filter") $("pg-basis").value = "";
      onFilterChange();
    });
  });
  $("pg-size").addEventListener("change", function () { state.filters.size = $("pg-size").value; applyFilters({ layout: false }); });
  $("pg-group").addEventListener("change", function () { state.filters.group = $("pg-group").value; applyFilters({ layout: false }); });
  $("pg-theme-map").addEventListener("click", function () {
    var themes = selectedThemes();
    if (!themes.length) { status(t("Tick one or more themes first.")); return; }
    // The theme map is the server's answer as it is: no theme filter on top of it.
    state.view = { base: { type: "themes", themes: themes, mode: themeMode() }, adds: [] };
    state.filters = defaultFilters(null);
    state.filters.size = "answer";
    $("pg-theme-filter").open = false;
    loadView().catch(fail);
  });
  $("pg-theme-filter-apply").addEventListener("click", function () {
    state.filters.themes = selectedThemes();
    state.filters.themeMode = themeMode();
    $("pg-theme-filter").open = false;
    loadThemePartners().then(function () { return applyFilters(); }).catch(fail);
  });
  $("pg-theme-all").addEventListener("click", function () {
    boxes($("pg-theme-options"), "theme").forEach(function (i) { i.checked = false; });
    state.filters.themes = [];
    state.themePartners = null;
    applyFilters();
  });
  $("pg-as-of").addEventListener("change", function () {
    var value = $("pg-as-of").value;
    state.asOf = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
    loadView().catch(fail);
  });
  $("pg-fit").addEventListener("click", function () { if (state.map) state.map.fit(); });
  $("pg-clear").addEventListener("click", function () {
    $("pg-path-bar").hidden = true;
    $("pg-share-bar").hidden = true;
    history.replaceState(null, "", location.pathname);
    state.selected = null;
    start();
  });
  $("pg-share").addEventListener("click", function () {
    saveURL();
    $("pg-share-bar").hidden = false;
    $("pg-share-url").select();
    try { if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(function () {}); } catch (e) { /* no clipboard */ }
  });
  $("pg-share-close").addEventListener("click", function () { $("pg-share-bar").hidden = true; });
  $("pg-focus-in").addEventListener("click", function () {
    if (state.filters.hops > 1) setFocus(state.filters.focus, state.filters.hops - 1);
  });
  $("pg-focus-out").addEventListener("click", function () { setFocus(state.filters.focus, state.filters.hops + 1); });
  $("pg-focus-leave").addEventListener("click", function () { state.filters.focus = null; applyFilters(); });
  function closeExport() { $("pg-export-menu").open = false; }
  $("pg-export-png").addEventListener("click", function () { closeExport(); if (state.map) state.map.exportPNG(slideMeta()).catch(fail); });
  $("pg-export-svg").addEventListener("click", function () { closeExport(); if (state.map) state.map.exportSVG(slideMeta()); });
  $("pg-export-graphml").addEventListener("click", function () { closeExport(); exportView("graphml"); });
  $("pg-export-json").addEventListener("click", function () { closeExport(); exportView("json"); });
  $("pg-download-html").addEventListener("click", function () { closeExport(); exportView("html"); });
  $("pg-path-go").addEventListener("click", showPaths);
  $("pg-path-cancel").addEventListener("click", function () {
    state.pathStart = state.pathEnd = null;
    $("pg-path-bar").hidden = true;
  });
  $("pg-key-button").addEventListener("click", function () {
    $("pg-key-form").hidden = !$("pg-key-form").hidden;
  });
  $("pg-key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var key = $("pg-key-input").value.trim();
    try { if (key) sessionStorage.setItem(KEY_STORE, key); } catch (e) { /* storage disabled */ }
    $("pg-key-input").value = "";
    loadSession().then(function () { status(t("Using the API key.")); return loadView(); }).catch(fail);
  });
  $("pg-key-forget").addEventListener("click", function () {
    try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* storage disabled */ }
    loadSession().then(function () { status(t("Key forgotten.")); }).catch(fail);
  });

  /* The language switch: remembered in a cookie (the server renders the page in it) and in
     localStorage (which restores the cookie if it was cleared); the page reloads in the new language. */
  function rememberLanguage(lang) {
    document.cookie = LANG_COOKIE + "=" + encodeURIComponent(lang) + "; Path=/; Max-Age=31536000; SameSite=Lax";
    try { localStorage.setItem(LANG_STORE, lang); } catch (e) { /* storage disabled */ }
  }
  $("pg-lang").addEventListener("change", function () {
    rememberLanguage($("pg-lang").value);
    var params = new URLSearchParams(location.search);
    params.delete("lang");
    var text = params.toString();
    location.replace(location.pathname + (text ? "?" + text : ""));
  });
  (function restoreLanguage() {
    var stored = null;
    try { stored = localStorage.getItem(LANG_STORE); } catch (e) { /* storage disabled */ }
    var hasCookie = document.cookie.split(";").some(function (c) { return c.trim().indexOf(LANG_COOKIE + "=") === 0; });
    var asked = new URLSearchParams(location.search).get("lang");
    if (asked) { rememberLanguage(document.documentElement.lang); return; }
    if (stored && !hasCookie && stored !== document.documentElement.lang && ["fi", "sv", "en"].indexOf(stored) >= 0) {
      rememberLanguage(stored);
      location.reload();
    }
  })();

  window.__pgExplorer = {
    state: state, expand: expand, openEntity: openEntity, showPaths: showPaths, setPathEnd: setPathEnd,
    exportView: exportView, slideMeta: slideMeta, viewURL: viewURL, setFocus: setFocus, applyFilters: applyFilters,
  };
  loadThemeList();
  start();
})();
