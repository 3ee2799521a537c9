(function () {
  "use strict";
  var SP = window.SafePassage = window.SafePassage || {};
  var ICON_OPTIONS = __SP_ICON_OPTIONS__;
  if (ICON_OPTIONS.iconUrl) {
    // Leaflet looks the default pin up next to the page; give it the inlined images instead.
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions(ICON_OPTIONS);
  }

  // Paths with the class "sp-svg" go on an SVG renderer even when the map prefers canvas.
  var baseGetRenderer = L.Map.prototype.getRenderer;
  L.Map.include({
    getRenderer: function (layer) {
      var cls = " " + (layer.options.className || "") + " ";
      if (layer.options.renderer || cls.indexOf(" sp-svg ") < 0) {
        return baseGetRenderer.call(this, layer);
      }
      var pane = layer.options.pane || "overlayPane";
      this._spSvgRenderers = this._spSvgRenderers || {};
      var renderer = this._spSvgRenderers[pane];
      if (!renderer) {
        renderer = this._spSvgRenderers[pane] = L.svg({pane: pane});
      }
      if (!this.hasLayer(renderer)) {
        this.addLayer(renderer);
      }
      return renderer;
    }
  });

  var ICONS = {
    fullscreen: '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" ' +
      'stroke="currentColor" stroke-width="2"/></svg>',
    locate: '<svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">' +
      '<circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" stroke-width="1.8"/>' +
      '<circle cx="8" cy="8" r="1.8" fill="currentColor"/>' +
      '<path d="M8 0v3M8 13v3M0 8h3M13 8h3" stroke="currentColor" stroke-width="1.8"/></svg>'
  };

  function button(parent, className, title, icon, onClick) {
    var link = L.DomUtil.create("a", "sp-button " + className, parent);
    link.href = "#";
    link.title = title;
    link.setAttribute("role", "button");
    link.setAttribute("aria-label", title);
    link.innerHTML = icon;
    L.DomEvent.disableClickPropagation(link);
    L.DomEvent.on(link, "click", function (e) {
      L.DomEvent.preventDefault(e);
      onClick();
    });
    return link;
  }

  function fullscreenElement() {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }

  SP.Fullscreen = L.Control.extend({
    options: {position: "topleft", title: "Full screen", titleExit: "Leave full screen"},
    onAdd: function (map) {
      var bar = L.DomUtil.create("div", "leaflet-bar sp-fullscreen");
      this._pseudo = false;
      this._link = button(bar, "sp-fullscreen-button", this.options.title, ICONS.fullscreen,
                          L.bind(this.toggle, this));
      this._link.setAttribute("aria-pressed", "false");
      L.DomEvent.on(document, "fullscreenchange webkitfullscreenchange", this._changed, this);
      L.DomEvent.on(document, "keydown", this._keydown, this);
      return bar;
    },
    onRemove: function () {
      L.DomEvent.off(document, "fullscreenchange webkitfullscreenchange", this._changed, this);
      L.DomEvent.off(document, "keydown", this._keydown, this);
    },
    isFullscreen: function () {
      return this._pseudo || fullscreenElement() === this._map.getContainer();
    },
    toggle: function () {
      var container = this._map.getContainer();
      var self = this;
      if (this._pseudo) {
        this._setPseudo(false);
        return;
      }
      if (fullscreenElement() === container) {
        var exit = document.exitFullscreen || document.webkitExitFullscreen;
        if (exit) { exit.call(document); }
        return;
      }
      var request = container.requestFullscreen || container.webkitRequestFullscreen;
      var enabled = document.fullscreenEnabled || document.webkitFullscreenEnabled;
      if (!request || !enabled) {
        this._setPseudo(true);  // no Fullscreen API (iPhone Safari, some webviews)
        return;
      }
      try {
        var result = request.call(container);
        if (result && typeof result.then === "function") {
          result.then(null, function () { self._setPseudo(true); });
        }
      } catch (err) {
        this._setPseudo(true);
      }
    },
    _setPseudo: function (on) {
      var container = this._map.getContainer();
      this._pseudo = on;
      if (on) {
        L.DomUtil.addClass(container, "sp-pseudo-fullscreen");
        L.DomUtil.addClass(document.documentElement, "sp-pseudo-fullscreen-page");
      } else {
        L.DomUtil.removeClass(container, "sp-pseudo-fullscreen");
        L.DomUtil.removeClass(document.documentElement, "sp-pseudo-fullscreen-page");
      }
      this._changed();
    },
    _keydown: function (e) {
      if (this._pseudo && (e.key === "Escape" || e.keyCode === 27)) { this._setPseudo(false); }
    },
    _changed: function () {
      var on = this.isFullscreen();
      var container = this._map.getContainer();
      if (on) {
        L.DomUtil.addClass(container, "sp-is-fullscreen");
      } else {
        L.DomUtil.removeClass(container, "sp-is-fullscreen");
      }
      this._link.title = on ? this.options.titleExit : this.options.title;
      this._link.setAttribute("aria-label", this._link.title);
      this._link.setAttribute("aria-pressed", on ? "true" : "false");
      this._map.invalidateSize();
    }
  });

  // ------------------------------------------------------------------------------------------
  // A scale bar in one system of units, with words in the page's language ("500 pies").

  SP.Scale = L.Control.Scale.extend({
    options: {units: "imperial", labels: {ft: "ft", mi: "mi", m: "m", km: "km"}},
    onAdd: function (map) {
      this.options.imperial = this.options.units === "imperial";
      this.options.metric = !this.options.imperial;
      return L.Control.Scale.prototype.onAdd.call(this, map);
    },
    _updateMetric: function (maxMeters) {
      var meters = this._getRoundNum(maxMeters);
      var words = this.options.labels;
      var label = meters < 1000 ? meters + " " + words.m : (meters / 1000) + " " + words.km;
      this._updateScale(this._mScale, label, meters / maxMeters);
    },
    _updateImperial: function (maxMeters) {
      var maxFeet = maxMeters * 3.2808399;
      var words = this.options.labels;
      if (maxFeet > 5280) {
        var miles = this._getRoundNum(maxFeet / 5280);
        this._updateScale(this._iScale, miles + " " + words.mi, miles * 5280 / maxFeet);
      } else {
        var feet = this._getRoundNum(maxFeet);
        this._updateScale(this._iScale, feet + " " + words.ft, feet / maxFeet);
      }
    }
  });

  // ------------------------------------------------------------------------------------------
  // Post badges stay readable: nothing is drawn over a badge (collision-aware placement).
  //
  // After every change of view, badges ([data-post]) are placed first, in number order, a
  // badge that would overlap another moved aside just enough; then the Start symbol, the
  // places' symbols and their labels, and last the street names (those for a zoom range
  // shown only within it): each one that would touch a badge, or a street name that would
  // touch anything placed before it, is moved to the nearest free spot around its point or,
  // failing that, hidden. Moves use the CSS `translate` property, which composes with the
  // `transform` Leaflet positions markers with, so Leaflet never undoes them.

  var PAD = 2;
  // the same street name is written at most once within this many pixels
  var NAME_GAP = 240;

  function box(el) {
    var r = el.getBoundingClientRect();
    return {left: r.left - PAD, top: r.top - PAD, right: r.right + PAD, bottom: r.bottom + PAD};
  }

  function shifted(b, dx, dy) {
    return {left: b.left + dx, top: b.top + dy, right: b.right + dx, bottom: b.bottom + dy};
  }

  function hits(b, placed) {
    for (var i = 0; i < placed.length; i++) {
      var p = placed[i];
      if (b.left < p.right && b.right > p.left && b.top < p.bottom && b.bottom > p.top) {
        return true;
      }
    }
    return false;
  }

  function shown(el) {
    if (!el.isConnected || el.style.visibility === "hidden") { return false; }
    var r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  }

  // Offsets to try, nearest first. A badge or a symbol moves just clear of where it was, in
  // eight directions; a label first slides up or down, then goes to the other side of its
  // point (a label hangs beside its point, `side` "right" or "left" of it).
  function offsets(w, h, kind, side) {
    var out = [], k;
    if (kind === "label") {
      var flip = (side === "left" ? 1 : -1) * (w + 24);
      for (k = 1; k <= 3; k++) { out.push([0, -(h + PAD) * k], [0, (h + PAD) * k]); }
      out.push([flip, 0]);
      for (k = 1; k <= 3; k++) { out.push([flip, -(h + PAD) * k], [flip, (h + PAD) * k]); }
      return out;
    }
    var rings = kind === "badge" ? 3 : 2;
    for (k = 1; k <= rings; k++) {
      var sx = (w + PAD) * k, sy = (h + PAD) * k;
      out.push([sx, 0], [-sx, 0], [0, -sy], [0, sy], [sx * 0.8, -sy * 0.8],
               [-sx * 0.8, -sy * 0.8], [sx * 0.8, sy * 0.8], [-sx * 0.8, sy * 0.8]);
    }
    return out;
  }

  function inside(b, frame) {
    return b.left >= frame.left && b.right <= frame.right && b.top >= frame.top &&
      b.bottom <= frame.bottom;
  }

  // Keep `el` (measured by `measure`, itself by default) clear of the boxes placed and inside
  // the map: as it is, moved to the nearest free spot (unless `kind` is "hide"), or hidden.
  function place(el, placed, kind, frame, measure) {
    var b = box(measure || el);
    var within = !frame || inside(b, frame) || kind === "badge";
    if (within && !hits(b, placed)) { placed.push(b); return "kept"; }
    if (kind !== "hide") {
      var side = L.DomUtil.hasClass(el, "leaflet-tooltip-left") ? "left" : "right";
      var tries = offsets(b.right - b.left, b.bottom - b.top, kind, side);
      for (var i = 0; i < tries.length; i++) {
        var moved = shifted(b, tries[i][0], tries[i][1]);
        if (!hits(moved, placed) && (!frame || kind === "badge" || inside(moved, frame))) {
          el.style.translate = Math.round(tries[i][0]) + "px " + Math.round(tries[i][1]) + "px";
          L.DomUtil.addClass(el, "sp-moved");
          placed.push(moved);
          return "moved";
        }
      }
    }
    hide(el);
    return "hidden";
  }

  function hide(el) {
    el.style.visibility = "hidden";
    L.DomUtil.addClass(el, "sp-hidden");
  }

  function reset(container) {
    var done = container.querySelectorAll(".sp-moved, .sp-hidden");
    for (var i = 0; i < done.length; i++) {
      done[i].style.translate = "";
      done[i].style.visibility = "";
      L.DomUtil.removeClass(done[i], "sp-moved");
      L.DomUtil.removeClass(done[i], "sp-hidden");
    }
  }

  function byZoom(container, zoom) {
    var zoned = container.querySelectorAll("[data-minzoom], [data-maxzoom]");
    for (var i = 0; i < zoned.length; i++) {
      var el = zoned[i], lo = parseFloat(el.dataset.minzoom), hi = parseFloat(el.dataset.maxzoom);
      var icon = el.closest(".leaflet-marker-icon") || el;
      var out = (!isNaN(lo) && zoom < lo) || (!isNaN(hi) && zoom > hi);
      icon.style.display = out ? "none" : "";
    }
  }

  function iconOf(el) { return el.closest(".leaflet-marker-icon") || el; }

  function all(container, selector) {
    return Array.prototype.slice.call(container.querySelectorAll(selector));
  }

  SP.clearBadges = function (map) {
    var container = map.getContainer();
    // Measure where things end up: a zoom animation's CSS transitions jump to their end.
    L.DomUtil.addClass(container, "sp-measuring");
    try {
      return clear(map, container);
    } finally {
      L.DomUtil.removeClass(container, "sp-measuring");
    }
  };

  function placeAll(elements, obstacles, placed, kind, frame, report) {
    elements.forEach(function (el) {
      var free = obstacles.slice();
      var what = place(el, free, kind, frame, el.firstElementChild || el);
      if (what !== "kept") { report[what] += 1; }
      if (what !== "hidden") { placed.push(free[free.length - 1]); }
    });
  }

  function clear(map, container) {
    reset(container);
    byZoom(container, map.getZoom());
    var r = container.getBoundingClientRect();
    var frame = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    var report = {badges: 0, moved: 0, hidden: 0};
    // the map's own controls (zoom, legend, scale, north arrow) are in the way of everything
    var controls = all(container, ".leaflet-control").filter(shown).map(box);
    var placed = [];
    var badges = all(container, ".leaflet-marker-pane [data-post]").filter(shown);
    badges.sort(function (a, b) {
      var pa = (a.dataset.plan ? 1000 : 0) + (parseFloat(a.dataset.post) || 0);
      var pb = (b.dataset.plan ? 1000 : 0) + (parseFloat(b.dataset.post) || 0);
      return pa - pb;
    });
    report.badges = badges.length;
    badges.forEach(function (badge) {
      var what = place(iconOf(badge), placed, "badge", frame, badge);
      if (what !== "kept") { report[what] += 1; }
    });
    var obstacles = placed.concat(controls);
    var symbols = all(container, ".leaflet-marker-pane .leaflet-marker-icon").filter(function (el) {
      return !el.querySelector("[data-post]") && !L.DomUtil.hasClass(el, "sp-street-icon") &&
        shown(el);
    });
    // the Start symbol first, then the places' symbols: each clear of the badges only
    symbols.sort(function (a, b) {
      return (L.DomUtil.hasClass(b, "sp-site-icon") ? 1 : 0) -
        (L.DomUtil.hasClass(a, "sp-site-icon") ? 1 : 0);
    });
    placeAll(symbols, obstacles, placed, "move", null, report);
    var labels = all(container, ".leaflet-tooltip-pane .leaflet-tooltip").filter(shown);
    placeAll(labels, obstacles, placed, "label", frame, report);
    // street names: one of each street's spots (data-street), clear of everything, or none;
    // and a name already written within NAME_GAP pixels is not written again (a street, its
    // sidewalks and the labels near several posts would otherwise repeat it side by side)
    var named = {};
    var written = [];
    function centre(el) {
      var b = el.getBoundingClientRect();
      return {x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2};
    }
    function nearSame(text, at) {
      return written.some(function (w) {
        return w.text === text && Math.abs(w.x - at.x) < NAME_GAP &&
          Math.abs(w.y - at.y) < NAME_GAP;
      });
    }
    all(container, ".leaflet-marker-pane .sp-street").forEach(function (el) {
      var icon = iconOf(el);
      var street = el.dataset.street || "";
      var text = (el.textContent || "").trim();
      if (icon.style.display === "none" || (street && named[street]) ||
          nearSame(text, centre(el))) {
        hide(el);
        return;
      }
      if (place(el, placed.concat(controls), "hide", frame) === "hidden") {
        report.hidden += 1;
        return;
      }
      if (street) { named[street] = true; }
      var at = centre(el);
      written.push({text: text, x: at.x, y: at.y});
      placed.push(box(el));  // place() kept it in a copy (placed with the controls)
    });
    map.fire("sp:cleared", report);
    return report;
  }

  // Keep a map's badges clear as the view, the layers shown and the tooltips change.
  SP.keepBadgesClear = function (map) {
    var pending = null;
    function now() { SP.clearBadges(map); }
    function soon() {
      if (pending === null) {
        pending = setTimeout(function () { pending = null; now(); }, 0);
      }
    }
    map.on("zoomend moveend viewreset resize overlayadd overlayremove", now);
    map.on("layeradd layerremove tooltipopen", soon);
    map.whenReady(soon);
    return map;
  };

  // ------------------------------------------------------------------------------------------
  // The officer map's header: a time-window switch and the list of posts (safepassage.maps).
  //
  // `windows` are [{key, when, start, end}] (minutes after midnight); `groups` maps a window's
  // key to the layer group drawing its posts and routes. The window under way on this device's
  // clock is shown first (else the first window); only the chosen window's group is on the map
  // and only its posts are listed. Tapping a post centres the map on it and opens its popup.

  function minutesNow() {
    var d = new Date();
    return d.getHours() * 60 + d.getMinutes();
  }

  function within(w, m) {
    if (w.start === null || w.end === null) { return false; }
    return w.start <= w.end ? (m >= w.start && m < w.end) : (m >= w.start || m < w.end);
  }

  SP.fieldHeader = function (map, windows, groups) {
    var header = document.getElementById("sp-field");
    if (!header) { return null; }
    document.body.classList.add("sp-field-page");
    var list = header.querySelector(".sp-post-list");
    var toggle = header.querySelector(".sp-posts-button");
    var when = document.getElementById("sp-field-when");
    var state = {active: null};

    function choose(key) {
      state.active = key;
      Object.keys(groups).forEach(function (k) {
        if (k === key) { map.addLayer(groups[k]); } else { map.removeLayer(groups[k]); }
      });
      windows.forEach(function (w) { if (w.key === key && when) { when.textContent = w.when; } });
      Array.prototype.forEach.call(header.querySelectorAll(".sp-windows button"), function (b) {
        b.setAttribute("aria-pressed", b.dataset.window === key ? "true" : "false");
      });
      var count = 0;
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (li) {
        li.hidden = windows.length > 1 && li.dataset.window !== key;
        count += li.hidden ? 0 : 1;
      });
      toggle.textContent = toggle.textContent.replace(/\(\d+\)/, "(" + count + ")");
      SP.clearBadges(map);
      map.fire("sp:window", {window: key});
    }

    function openPost(button) {
      var number = button.dataset.post;
      var latlng = L.latLng(parseFloat(button.dataset.lat), parseFloat(button.dataset.lon));
      list.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      map.setView(latlng, Math.max(map.getZoom(), 18), {animate: false});
      var group = groups[state.active];
      if (group) {
        group.eachLayer(function (layer) {
          var el = layer.getElement && layer.getElement();
          if (el && el.querySelector('[data-post="' + number + '"]')) { layer.openPopup(); }
        });
      }
    }

    L.DomEvent.disableClickPropagation(header);
    L.DomEvent.disableScrollPropagation(header);
    toggle.addEventListener("click", function () {
      var open = list.hidden;
      list.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    Array.prototype.forEach.call(header.querySelectorAll(".sp-windows button"), function (b) {
      b.addEventListener("click", function () { choose(b.dataset.window); });
    });
    Array.prototype.forEach.call(list.querySelectorAll("button[data-post]"), function (b) {
      b.addEventListener("click", function () { openPost(b); });
    });
    var now = minutesNow();
    var current = windows.filter(function (w) { return within(w, now); })[0];
    choose((current || windows[0] || {key: null}).key);
    map.invalidateSize();
    SP.field = {map: map, choose: choose, state: state};
    return SP.field;
  };

  // ------------------------------------------------------------------------------------------
  // A printed page that fits: before the page is printed, the map's height is chosen so that
  // the whole page fits one sheet (between minPx and maxPx). The text around the map is
  // measured as it will print: at the sheet's width (widthPx), without the screen's padding.
  // (The browser counts a printout's pages before media-query listeners run, so this is done
  // on "beforeprint".) Where even the smallest map leaves too little room, the map keeps
  // maxPx and the rest continues on the next sheet. `pagePx` is a sheet's printable height.

  function blockHeight(el) {
    var r = el.getBoundingClientRect();
    var cs = window.getComputedStyle(el);
    return r.height + (parseFloat(cs.marginTop) || 0) + (parseFloat(cs.marginBottom) || 0);
  }

  function textHeight(mapEl) {
    var text = 0;
    Array.prototype.forEach.call(document.body.children, function (child) {
      if (child === mapEl || child.tagName === "SCRIPT" || child.tagName === "STYLE") { return; }
      if (child.contains(mapEl)) { return; }
      Array.prototype.forEach.call(child.children.length ? child.children : [child],
        function (block) { text += blockHeight(block); });
    });
    return text;
  }

  SP.fitPrintPage = function (map, options) {
    var el = map.getContainer();
    var root = document.documentElement;
    var bounds = L.latLngBounds(options.bounds);
    var padding = L.point(options.padding || [0, 0]);

    function refit() {
      map.invalidateSize({animate: false, pan: false});
      map.fitBounds(bounds, {padding: padding, animate: false});
      SP.clearBadges(map);
    }

    function fit(printing) {
      if (!printing) {
        L.DomUtil.removeClass(root, "sp-print-measure");
        el.style.height = "";
        delete el.dataset.printHeight;
        refit();
        return null;
      }
      root.style.setProperty("--sp-print-width", (options.widthPx || 720) + "px");
      L.DomUtil.addClass(root, "sp-print-measure");
      var text = textHeight(el);
      var room = options.pagePx - text - (options.slackPx || 16);
      var height = room >= options.maxPx ? options.maxPx
        : (room >= options.minPx ? Math.floor(room) : options.maxPx);
      el.style.height = height + "px";
      el.dataset.printHeight = String(height);
      el.dataset.printText = String(Math.round(text));
      refit();
      return height;
    }

    window.addEventListener("beforeprint", function () { fit(true); });
    window.addEventListener("afterprint", function () { fit(false); });
    SP.printFit = fit;
    return fit;
  };

  SP.Locate = L.Control.extend({
    options: {
      position: "topleft",
      title: "Show my location",
      maxZoom: 17,
      timeout: 15000,
      denied: "Location access was denied. Allow location for this page in the browser's " +
              "settings to see where you are.",
      unavailable: "Your location is not available on this device.",
      timedOut: "Finding your location took too long. Try again."
    },
    onAdd: function (map) {
      var box = L.DomUtil.create("div", "sp-locate");
      var bar = L.DomUtil.create("div", "leaflet-bar", box);
      this._link = button(bar, "sp-locate-button", this.options.title, ICONS.locate,
                          L.bind(this.locate, this));
      this._message = L.DomUtil.create("div", "sp-locate-message", box);
      this._message.setAttribute("role", "status");
      this._message.setAttribute("aria-live", "polite");
      L.DomEvent.disableClickPropagation(this._message);
      map.on("locationfound", this._found, this);
      map.on("locationerror", this._failed, this);
      return box;
    },
    onRemove: function (map) {
      map.off("locationfound", this._found, this);
      map.off("locationerror", this._failed, this);
      map.stopLocate();
      if (this._layer) { map.removeLayer(this._layer); }
    },
    locate: function () {
      this._say("");
      L.DomUtil.addClass(this._link, "sp-busy");
      this._map.locate({setView: true, maxZoom: this.options.maxZoom,
                        enableHighAccuracy: true, timeout: this.options.timeout});
    },
    _found: function (e) {
      L.DomUtil.removeClass(this._link, "sp-busy");
      if (!this._layer) { this._layer = L.layerGroup().addTo(this._map); }
      this._layer.clearLayers();
      L.circle(e.latlng, {radius: e.accuracy, weight: 1, color: "#136aec",
                          fillColor: "#136aec", fillOpacity: 0.15, interactive: false,
                          className: "sp-svg sp-locate-accuracy"}).addTo(this._layer);
      L.circleMarker(e.latlng, {radius: 7, weight: 2, color: "#ffffff", fillColor: "#136aec",
                                fillOpacity: 1, interactive: false,
                                className: "sp-svg sp-locate-position"}).addTo(this._layer);
    },
    _failed: function (e) {
      L.DomUtil.removeClass(this._link, "sp-busy");
      this._say(e.code === 1 ? this.options.denied
                : e.code === 3 ? this.options.timedOut : this.options.unavailable);
    },
    _say: function (text) {
      this._message.textContent = text;  // text, never markup
      this._message.style.display = text ? "block" : "none";
    }
  });
})();
