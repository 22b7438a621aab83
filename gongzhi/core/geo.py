"""Org unit boundaries as GeoJSON (RFC 7946): a Polygon or MultiPolygon in WGS 84 longitude and
latitude, drawn by the cockpit's grid map without map tiles. Staff paste or upload what a GIS or
geojson.io exports: a bare geometry, a Feature, or a FeatureCollection holding exactly one feature;
only the geometry is kept."""

import json
import math

from django.utils.translation import gettext as _

from .errors import ApplicationError

BOUNDARY_TYPES = ("Polygon", "MultiPolygon")
MAX_POSITIONS = 20000  # a hand-drawn grid has dozens; a surveyed one a few thousand
MAX_TEXT = 1_000_000  # characters of pasted or uploaded GeoJSON


def _refuse(message: str, code: str = "invalid_boundary"):
    raise ApplicationError(message, code=code, field="boundary")


def _geometry(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            value = value.decode("utf-8-sig")
        except UnicodeDecodeError:
            _refuse(_("The boundary file is not UTF-8 text."))
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            _refuse(_("The boundary is too large (at most 1 MB of GeoJSON)."))
        try:
            value = json.loads(value)
        except ValueError:
            _refuse(_("The boundary is not valid JSON."))
    if not isinstance(value, dict):
        _refuse(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    if value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            _refuse(_("A FeatureCollection must hold exactly one feature: the unit's boundary."))
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in BOUNDARY_TYPES:
        _refuse(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    return value


def _ring(ring) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        _refuse(_("Each ring of the boundary needs at least four positions, the last equal to the first."))
    out = []
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in position[:2])
            or not all(math.isfinite(c) for c in position[:2])
        ):
            _refuse(_("Each position of the boundary must be [longitude, latitude] in numbers."))
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            _refuse(
                _(
                    "The position [%(lon)s, %(lat)s] lies outside the Earth's longitude and latitude: "
                    "GeoJSON puts the longitude first."
                )
                % {"lon": position[0], "lat": position[1]}
            )
        out.append([lon, lat])
    if out[0] != out[-1]:
        _refuse(_("Each ring of the boundary must end where it starts."))
    if _area(out) == 0:
        _refuse(_("A ring of the boundary encloses no area."))
    return out


def _area(ring: list[list[float]]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:], strict=False))) / 2


def _polygon(rings) -> list:
    if not isinstance(rings, list) or not rings:
        _refuse(_("A polygon of the boundary has no rings."))
    return [_ring(r) for r in rings]


def boundary_clean(value) -> dict | None:
    """The geometry to store, from GeoJSON text, bytes or a parsed object; None for empty input.
    Refuses with an ApplicationError (field "boundary") anything but a sane Polygon/MultiPolygon."""
    if value is None or (isinstance(value, (str, bytes)) and not value.strip()):
        return None
    geometry = _geometry(value)
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [_polygon(coordinates)]
    else:
        if not isinstance(coordinates, list) or not coordinates:
            _refuse(_("A MultiPolygon boundary needs at least one polygon."))
        polygons = [_polygon(p) for p in coordinates]
    if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_POSITIONS:
        _refuse(_("The boundary has too many positions (at most 20,000)."))
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def boundary_positions(geometry: dict | None) -> int:
    if not geometry:
        return 0
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return sum(len(ring) for polygon in polygons for ring in polygon)
