"""One picture of the presentation area as an SVG document, rasterised by cairosvg.

The document holds only what is visible: the current slide image, the annotations shown at
that instant (copied from ``shapes.svg`` with their style, visibility removed), under the
transform the player's ``viewBox`` + ``xMidYMid meet`` gives, on the white area the players
show. Content outside the viewBox but inside the area stays visible, as in a browser.

cairosvg draws no ``foreignObject``: BBB writes text annotations as an XHTML ``<p>`` inside
one, so they are turned into SVG ``<text>`` lines here (wrapped at the box width with the
font's real metrics). Links to images (slides, poll results) are read from the recording's
work folder only (a fetcher that refuses anything else).
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET  # building our own documents, never parsing input
from xml.etree.ElementTree import Element, SubElement

import cairosvg.surface
from PIL import ImageFont

from .files import Published
from .layout import fit
from .timeline import SVG, XLINK_HREF, Box, Draft, Slide
from .tldraw import scale_ratio, shape_element

SVG_NS = "http://www.w3.org/2000/svg"
XHTML = "{http://www.w3.org/1999/xhtml}"
FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)px")
_COLOR = re.compile(r"(?:^|;)\s*color:\s*([^;]+)")


def _fetcher(folder: Path):
    root = folder.resolve()

    def fetch(url: str, resource_type: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and root in path.parents:
                return path.read_bytes()
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'

    return fetch


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FILE, max(1, size))


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` as a browser wraps them in a box ``width`` wide (word by word)."""
    font = _font(round(size))
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if line and width > 0 and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _paragraph_text(element: Element) -> str:
    """Text of an XHTML fragment, ``<br/>`` and block ends as line breaks."""
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "br":
                parts.append("\n")
            walk(child)
            if tag in ("p", "div") and parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return "".join(parts).strip("\n")


def _text_from_foreign(foreign: Element, style: str) -> Element:
    x, y = float(foreign.get("x") or 0), float(foreign.get("y") or 0)
    width = float(foreign.get("width") or 0)
    styles = style + ";" + ";".join(e.get("style") or "" for e in foreign.iter())
    size_match = _FONT_SIZE.search(styles)
    size = float(size_match.group(1)) if size_match else 16.0
    color_match = _COLOR.search(styles)
    color = foreign.get("color") or (color_match.group(1).strip() if color_match else "#000")
    text = SubElement(Element("g"), f"{SVG}text", {
        "font-family": "DejaVu Sans, Arial, sans-serif", "font-size": f"{size:g}",
        "fill": color, "stroke": "none"})
    for index, line in enumerate(_wrap(_paragraph_text(foreign), size, width)):
        span = SubElement(text, f"{SVG}tspan", {"x": f"{x:g}",
                                                  "y": f"{y + size * (0.93 + 1.16 * index):g}"})
        span.text = line or " "
    return text


def _draft_element(draft: Draft, published: Published) -> Element:
    group = copy.deepcopy(draft.element)
    style = ";".join(part for part in (group.get("style") or "").split(";")
                     if not part.strip().startswith("visibility"))
    group.set("style", style)
    for parent in list(group.iter()):
        for index, child in enumerate(list(parent)):
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "switch":  # keep the first child cairosvg can draw
                parent.remove(child)
                for grandchild in child:
                    parent.insert(index, grandchild)
                    break
    for parent in list(group.iter()):
        for index, child in enumerate(list(parent)):
            if child.tag.rsplit("}", 1)[-1] == "foreignObject":
                parent.remove(child)
                parent.insert(index, _text_from_foreign(child, style))
    for image in group.iter(f"{SVG}image"):
        _link_local(image, published)
    return group


def _link_local(image: Element, published: Published) -> None:
    href = image.get(XLINK_HREF) or image.get("href") or ""
    local = published.local(href)
    image.attrib.pop("href", None)
    image.set(XLINK_HREF, local.resolve().as_uri() if local else "")


def state_svg(published: Published, slide: Slide | None, box: Box | None,
              drafts: tuple[Draft, ...], size: tuple[int, int],
              board: tuple[dict, ...] = ()) -> bytes:
    width, height = size
    root = Element(f"{SVG}svg", {"width": str(width), "height": str(height),
                                 "viewBox": f"0 0 {width} {height}"})
    SubElement(root, f"{SVG}rect", {"x": "0", "y": "0", "width": str(width),
                                    "height": str(height), "fill": "#ffffff"})
    if slide is not None and box is not None:
        scale, dx, dy = fit(box, width, height)
        matrix = f"matrix({scale:.6f},0,0,{scale:.6f},{dx:.4f},{dy:.4f})"
        content = SubElement(root, f"{SVG}g", {"transform": matrix})
        image = SubElement(content, f"{SVG}image", {
            "x": "0", "y": "0", "width": f"{slide.width:g}", "height": f"{slide.height:g}",
            "preserveAspectRatio": "none"})
        image.set(XLINK_HREF, slide.href)
        _link_local(image, published)
        for draft in drafts:
            content.append(_draft_element(draft, published))
        if board:  # tldraw page space: the slide at (1, 1), scaled by the player's ratio
            ratio = scale_ratio(slide.width, slide.height)
            page = SubElement(content, f"{SVG}g", {
                "transform": f"scale({1 / ratio:.8f}) translate(-1,-1)"})
            for shape in board:
                element = shape_element(shape)
                if element is not None:
                    page.append(element)
    return ET.tostring(root)


def rasterise(svg: bytes, folder: Path) -> bytes:
    """PNG bytes of one SVG document (links resolved inside ``folder`` only)."""
    return cairosvg.surface.PNGSurface.convert(bytestring=svg, url_fetcher=_fetcher(folder))
