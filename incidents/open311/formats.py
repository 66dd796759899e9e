"""The two GeoReport v2 formats: JSON and XML (the spec's element names), from the same Python data."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# kind of answer → XML root element and the element of each list item (None: the answer is one object)
XML_SHAPES = {
    "services": ("services", "service"),
    "definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
# a list inside an object: its items' element name
XML_ITEMS = {"attributes": "attribute", "values": "value"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def xml_value(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            xml_value(element, key, item)
    elif isinstance(value, list):
        for item in value:
            xml_value(element, XML_ITEMS.get(name, "item"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(data, kind: str) -> bytes:
    root_name, item_name = XML_SHAPES[kind]
    if item_name is None:
        root = ET.Element(root_name)
        for key, value in data.items():
            xml_value(root, key, value)
    else:
        root = ET.Element(root_name)
        for item in data:
            xml_value(root, item_name, item)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def render(data, kind: str, fmt: str, status: int = 200) -> HttpResponse:
    body = to_xml(data, kind) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
