/*
 * The explorer: search, filter, expand, paths, contacts and export over the JSON routes.
 * Builds on map.js (window.PartnerGraph); every text goes in with textContent.
 * An API key pasted by the user stays in sessionStorage (this tab) and is sent as X-API-Key.
 */
(function () {
  "use strict";

  var PG = window.PartnerGraph;
  var el = PG.el, clear = PG.clear;
  var config = PG.readPayload("pg-config");
  var KEY_STORE = "partnergraph.apiKey";
  var state = { map: null, session: null, pathStart: null, pathEnd: null, themes: {}, views: 0 };

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
    if (error && error.status === 401) text += " Paste an API key with the “API key” button.";
    status(text, true);
  }

  /* ---------------- filters ---------------- */

  function checkedValues(container, name) {
    return Array.prototype.slice.call(container.querySelectorAll("input[name='" + name + "']:checked"))
      .map(function (input) { return input.value; });
  }
  function allKinds() {
    return Array.prototype.slice.call($("pg-kind-filter").querySelectorAll("input[name='kind']")).map(function (i) { return i.value; });
  }
  function selectedKinds() {
    var kinds = checkedValues($("pg-kind-filter"), "kind");
    return kinds.length === allKinds().length ? [] : kinds;  // [] = no restriction
  }
  function selectedThemes() {
    return checkedValues($("pg-theme-options"), "theme");
  }

  function applyFilters() {
    if (!state.map) return;
    var kinds = checkedValues($("pg-kind-filter"), "kind");
    var themes = selectedThemes();
    state.map.filterNodes(function (node, details) {
      if (kinds.indexOf(node.kind) < 0) return false;
      if (!themes.length) return true;
      if (themes.indexOf(node.id) >= 0) return true;
      return (details.themes || []).some(function (t) { return themes.indexOf(t.key) >= 0; });
    });
  }

  function rememberThemes(payload) {
    Object.keys(payload.details || {}).forEach(function (key) {
      var d = payload.details[key];
      if (d.kind === config.themeKind) state.themes[key] = d.name;
      (d.themes || []).forEach(function (t) { state.themes[t.key] = t.name; });
    });
    renderThemeOptions();
  }

  function renderThemeOptions() {
    var box = $("pg-theme-options");
    var ticked = selectedThemes();
    clear(box);
    var keys = Object.keys(state.themes).sort(function (a, b) { return state.themes[a].localeCompare(state.themes[b]); });
    if (!keys.length) {
      box.appendChild(el("p", "pg-hint", "No themes on the map yet."));
      return;
    }
    keys.forEach(function (key) {
      var label = el("label");
      var input = el("input");
      input.type = "checkbox";
      input.name = "theme";
      input.value = key;
      input.checked = ticked.indexOf(key) >= 0;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + state.themes[key]));
      box.appendChild(label);
    });
  }

  /* ---------------- map ---------------- */

  function extras(kind, id, panel, map) {
    if (kind !== "node") return;
    var d = map.details[id] || {};
    var actions = el("div", "pg-actions");
    function action(label, fn, name) {
      var button = el("button", "pg-button", label);
      button.type = "button";
      if (name) button.setAttribute("data-action", name);
      button.addEventListener("click", fn);
      actions.appendChild(button);
      return button;
    }
    action("Expand neighbours", function () { expand(id); }, "expand");
    action("Paths from here", function () { setPathEnd("start", id); }, "path-start");
    action("Paths to here", function () { setPathEnd("end", id); }, "path-end");
    var box = el("section", "pg-contacts");
    action("Contacts", function () { loadContacts(id, box); }, "contacts");
    panel.appendChild(actions);
    panel.appendChild(box);
    var all = el("details", "pg-all-relations");
    all.appendChild(el("summary", null, "All relations in the graph…"));
    panel.appendChild(all);
    loadRelations(id, all);
  }

  /* Every relation of the entity (the API's entity route), not only those on the map. */
  function loadRelations(key, box) {
    getJSON(config.routes.entity + encodeURIComponent(key)).then(function (data) {
      var groups = data.relations || {};
      var count = 0;
      var list = el("ul");
      Object.keys(groups).sort().forEach(function (type) {
        groups[type].forEach(function (rel) {
          count += 1;
          var other = rel.other || {};
          var li = el("li");
          li.appendChild(document.createTextNode(rel.direction === "out" ? type + " → " : "← " + type + " "));
          var name = other.name_en || other.name_fi || other.key;
          var button = el("button", "pg-link", name);
          button.type = "button";
          button.setAttribute("data-key", other.key);
          button.addEventListener("click", function () { openEntity(other.key); });
          li.appendChild(button);
          if (rel.role) li.appendChild(document.createTextNode(" (" + rel.role + ")"));
          if (!state.map || !state.map.nodes.get(other.key)) li.appendChild(el("span", "pg-muted", " · not on the map"));
          list.appendChild(li);
        });
      });
      box.querySelector("summary").textContent = "All relations in the graph (" + count + ")";
      box.appendChild(list);
    }).catch(function (error) {
      box.querySelector("summary").textContent = "All relations: " + error.message;
    });
  }

  /* Who to contact about an entity (the API's contacts route). E-mail and phone come back only
     for keys with the contacts role (and the API audits that read), so they load on request. */
  function loadContacts(key, box) {
    clear(box);
    box.appendChild(el("h3", null, "Contacts"));
    var body = el("div", "pg-hint", "Loading contacts…");
    box.appendChild(body);
    getJSON(config.routes.contacts + query({ key: key, limit: 50 })).then(function (data) {
      clear(body);
      body.className = "";
      var list = el("ul", "pg-contact-list");
      (data.contacts || []).forEach(function (c) {
        var li = el("li");
        var person = c.person || {};
        var name = person.name_en || person.name_fi || person.key;
        li.appendChild(state.map && state.map.nodes.get(person.key) ? linkButton(person.key, name) : el("strong", null, name));
        var title = c.title_en || c.title_fi;
        var how = [title, c.relation + (c.role ? " (" + c.role + ")" : ""), c.via ? "via " + c.via : ""].filter(Boolean);
        li.appendChild(el("div", "pg-muted", how.join(" · ")));
        var pairs = [];
        if (c.email) pairs.push(["e-mail", c.email]);
        if (c.phone) pairs.push(["phone", c.phone]);
        if (pairs.length) {
          var dl = el("dl");
          pairs.forEach(function (pair) {
            dl.appendChild(el("dt", null, pair[0]));
            var dd = el("dd");
            if (pair[0] === "e-mail" && /^[^@\s<>"':]+@[^@\s<>"']+$/.test(pair[1])) {
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
      if (!(data.contacts || []).length) body.appendChild(el("p", "pg-hint", "No contacts recorded."));
      else body.appendChild(list);
      if (!data.includes_personal) {
        body.appendChild(el("p", "pg-hint", "E-mail addresses and phone numbers need an API key with the contacts role."));
      }
    }).catch(function (error) {
      body.textContent = "Contacts unavailable: " + error.message;
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
    });
    state.map = map;
    window.__pgMap = map;
    window.network = map.network;
    map.refreshLegend();
    rememberThemes(payload);
    if (payload.notice) status(payload.notice);
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
    return map;
  }

  function addOrMount(payload, anchor) {
    rememberThemes(payload);
    if (payload.notice) status(payload.notice);
    if (!state.map) {
      mount(payload);
      return { nodes: payload.nodes.map(function (n) { return n.id; }), edges: [] };
    }
    var added = state.map.addPayload(payload, anchor);
    applyFilters();
    return added;
  }

  function expand(key) {
    status("Expanding " + (state.map ? state.map.name(key) : key) + "…");
    var params = { key: key, depth: 1, kind: selectedKinds(), theme: selectedThemes() };
    return getJSON(config.routes.neighbourhood + query(params)).then(function (payload) {
      var added = addOrMount(payload, key);
      status(added.nodes.length ? "Added " + added.nodes.length + " nodes." : "No new neighbours for these filters.");
      state.map.showNode(key);
      document.body.setAttribute("data-expanded", String(Date.now()));
    }).catch(fail);
  }

  function openEntity(key) {
    if (state.map && state.map.nodes.get(key)) {
      state.map.focusNode(key);
      return Promise.resolve();
    }
    return getJSON(config.routes.neighbourhood + query({ key: key, depth: 1 })).then(function (payload) {
      addOrMount(payload, null);
      state.map.focusNode(key);
    }).catch(fail);
  }

  /* ---------------- search ---------------- */

  function resultsOf(data) {
    var rows = Array.isArray(data) ? data : data.items || data.results || data.hits || [];
    return rows.map(function (row) {
      var entity = row.entity || row.node || row;
      return {
        key: entity.key,
        kind: entity.kind,
        name: entity.name || entity.name_en || entity.name_fi || entity.key,
        other: entity.name_en && entity.name_fi && entity.name_en !== entity.name_fi ? entity.name_fi : "",
      };
    }).filter(function (r) { return r.key; });
  }

  function search(text) {
    var list = $("pg-search-results");
    return getJSON(config.routes.search + query({ q: text, limit: 20 })).then(function (data) {
      clear(list);
      var rows = resultsOf(data);
      if (!rows.length) list.appendChild(el("li", "pg-hint", "Nothing found for “" + text + "”."));
      rows.forEach(function (row) {
        var li = el("li");
        var button = el("button", null, row.name);
        button.type = "button";
        button.setAttribute("data-key", row.key);
        button.appendChild(el("span", "pg-muted", [row.kind, row.other].filter(Boolean).join(" · ")));
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
    $("pg-path-text").textContent = "Paths from " + name(state.pathStart) + " to " + name(state.pathEnd);
    $("pg-path-go").disabled = !(state.pathStart && state.pathEnd && state.pathStart !== state.pathEnd);
    bar.hidden = false;
  }

  function showPaths() {
    var start = state.pathStart, end = state.pathEnd;
    return getJSON(config.routes.paths + query({ start: start, end: end })).then(function (payload) {
      var anchor = state.map && state.map.nodes.get(start) ? start : null;
      addOrMount(payload, anchor);
      var onPath = payload.nodes.map(function (n) { return n.id; });
      var edges = payload.edges.map(function (e) { return e.id; });
      state.map.network.setSelection({ nodes: onPath, edges: edges }, { highlightEdges: false });
      state.map.network.fit({ nodes: onPath, animation: { duration: 300 } });
      status(payload.nodes.length ? "Showing the shortest paths (" + onPath.length + " nodes)." : "No path between them.");
      document.body.setAttribute("data-paths", String(onPath.length));
    }).catch(fail);
  }

  /* ---------------- export ---------------- */

  function exportView(format) {
    if (!state.map) return;
    var keys = state.map.visibleKeys();
    return request(config.routes.export, {
      method: "POST",
      accept: "*/*",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ keys: keys, format: format, title: "partnergraph map" }),
    }).then(function (response) {
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = document.createElement("a");
      link.href = url;
      link.download = "partnergraph-map." + (format === "html" ? "html" : format);
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(fail);
  }

  /* ---------------- session / API key ---------------- */

  function loadSession() {
    return getJSON(config.routes.session).then(function (session) {
      state.session = session;
      $("pg-role").textContent = session.anonymous ? "anonymous (" + session.role + ")" : session.name + " (" + session.role + ")";
      return session;
    });
  }

  function start() {
    var initial = config.initial || {};
    var first = initial.key
      ? getJSON(config.routes.neighbourhood + query({ key: initial.key, depth: initial.depth || 1 }))
      : getJSON(config.routes.overview);
    return loadSession().then(function () { return first; }).then(function (payload) {
      if (state.map) state.map.replacePayload(payload);
      else mount(payload);
      rememberThemes(payload);
      if (initial.key) state.map.showNode(initial.key);
      state.views += 1;
      document.body.setAttribute("data-views", String(state.views));  // a view (re)loaded
    }).catch(fail);
  }

  /* ---------------- wiring ---------------- */

  $("pg-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("pg-search-input").value.trim();
    if (text) search(text);
  });
  document.addEventListener("click", function (event) {
    if (!$("pg-search").contains(event.target)) $("pg-search-results").hidden = true;
  });
  $("pg-kind-filter").addEventListener("change", applyFilters);
  $("pg-theme-options").addEventListener("change", applyFilters);
  $("pg-theme-map").addEventListener("click", function () {
    var themes = selectedThemes();
    if (!themes.length) { status("Tick one or more themes first."); return; }
    getJSON(config.routes.themes + query({ theme: themes, kind: selectedKinds() })).then(function (payload) {
      if (state.map) state.map.replacePayload(payload);
      else mount(payload);
      rememberThemes(payload);
      applyFilters();
    }).catch(fail);
  });
  $("pg-theme-all").addEventListener("click", function () {
    Array.prototype.forEach.call($("pg-theme-options").querySelectorAll("input"), function (i) { i.checked = false; });
    applyFilters();
  });
  $("pg-fit").addEventListener("click", function () { if (state.map) state.map.fit(); });
  $("pg-clear").addEventListener("click", function () {
    state.pathStart = state.pathEnd = null;
    $("pg-path-bar").hidden = true;
    start();
  });
  $("pg-export-png").addEventListener("click", function () { if (state.map) state.map.exportPNG(); });
  $("pg-export-graphml").addEventListener("click", function () { exportView("graphml"); });
  $("pg-export-json").addEventListener("click", function () { exportView("json"); });
  $("pg-download-html").addEventListener("click", function () { exportView("html"); });
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
    loadSession().then(function () { status("Using the API key."); start(); }).catch(fail);
  });
  $("pg-key-forget").addEventListener("click", function () {
    try { sessionStorage.removeItem(KEY_STORE); } catch (e) { /* storage disabled */ }
    loadSession().then(function () { status("Key forgotten."); }).catch(fail);
  });

  window.__pgExplorer = { state: state, expand: expand, openEntity: openEntity, showPaths: showPaths, setPathEnd: setPathEnd, exportView: exportView };
  start();
})();
