// Maps of proposals (Leaflet, served locally). Progressive enhancement: without this file the
// pages show the list of places and plain latitude/longitude fields.
(function () {
  "use strict";

  function baseMap(element) {
    var center = element.getAttribute("data-center").split(",").map(Number);
    var map = L.map(element, {zoomControl: false}).setView(center, Number(element.getAttribute("data-zoom")));
    L.control.zoom({zoomInTitle: element.getAttribute("data-zoom-in"),
                    zoomOutTitle: element.getAttribute("data-zoom-out")}).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var attribution = document.createElement("span");
    attribution.textContent = element.getAttribute("data-attribution") || "";
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: attribution.innerHTML,
      referrerPolicy: "strict-origin-when-cross-origin"
    }).addTo(map);
    return map;
  }

  function link(point) {
    var anchor = document.createElement("a");
    anchor.href = point.url;
    anchor.textContent = point.title;
    return anchor;
  }

  function proposalsMap(element) {
    var data = document.getElementById("map-points");
    var points = data ? JSON.parse(data.textContent) : [];
    element.hidden = false;
    var map = baseMap(element);
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], {title: point.title, alt: point.title});
      marker.bindPopup(link(point)).addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, {padding: [30, 30], maxZoom: 17}); }
  }

  function pointMap(element) {
    var form = element.closest("form");
    var lat = form.querySelector("[name=latitude]");
    var lon = form.querySelector("[name=longitude]");
    if (!lat || !lon) { return; }
    element.hidden = false;
    var map = baseMap(element);
    var marker = null;
    function read() {
      var y = parseFloat(String(lat.value).replace(",", "."));
      var x = parseFloat(String(lon.value).replace(",", "."));
      return (isFinite(y) && isFinite(x) && Math.abs(y) <= 90 && Math.abs(x) <= 180) ? [y, x] : null;
    }
    function place(position) {
      if (!position) { if (marker) { map.removeLayer(marker); marker = null; } return; }
      if (marker) { marker.setLatLng(position); } else {
        marker = L.marker(position, {title: element.getAttribute("data-marker"),
                                     alt: element.getAttribute("data-marker")}).addTo(map);
      }
    }
    var start = read();
    if (start) { place(start); map.setView(start, 16); }
    map.on("click", function (event) {
      var point = event.latlng.wrap();
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      place([point.lat, point.lng]);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () { place(read()); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }
    var list = document.getElementById("proposals-map");
    if (list) { proposalsMap(list); }
    var point = document.getElementById("point-map");
    if (point) { pointMap(point); }
  });
})();
