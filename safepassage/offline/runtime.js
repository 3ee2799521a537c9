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
