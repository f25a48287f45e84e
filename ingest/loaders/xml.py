"""XML error catalogues (a service tool's or a back office's export) read as records.

``<errors><error id="0x13" severity="critical"><name>…</name><description>…</description>
</error>…</errors>``: each element becomes what a JSON catalogue would hold — its attributes and
its single text children as keys (an attribute of a text-less child as ``child attribute``:
``remoteReset allowed``), repeated children as a list — and then goes through the record reading
of :mod:`ingest.loaders.records`: every list of records is a table, its keys the header. Namespaces
are dropped from names. A file declaring entities is refused (nothing is expanded), as is one
that is not well-formed XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path
from typing import Any

from ingest.document import LoadedDocument, LoadError, read_text
from ingest.loaders.records import records_document


def load_xml(path: Path) -> LoadedDocument:
    """The record lists of the XML file at ``path`` as tables (see the module docstring)."""
    text = read_text(path, what="XML file")
    if "<!ENTITY" in text:
        raise LoadError("XML with entity declarations is not read (nothing in it is expanded)")
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as exc:
        raise LoadError(f"not well-formed XML: {exc}") from exc
    return records_document({_name(root.tag): _node(root)})


def _node(element: ElementTree.Element) -> Any:
    """An element as a value: its text when it has neither attributes nor children, else a
    mapping of its attributes, its text (under its own name) and its children."""
    children = list(element)
    text = _text(element)
    if not children and not element.attrib:
        return text
    node: dict[str, Any] = {_name(key): value for key, value in element.attrib.items()}
    if text:
        node[_name(element.tag)] = text
    groups: dict[str, list[ElementTree.Element]] = defaultdict(list)
    for child in children:
        groups[_name(child.tag)].append(child)
    for tag, items in groups.items():
        if len(items) == 1 and not list(items[0]):  # one leaf: a field of this record
            leaf = items[0]
            if leaf_text := _text(leaf):
                node[tag] = leaf_text
            node.update({f"{tag} {_name(key)}": value for key, value in leaf.attrib.items()})
        else:
            node[tag] = [_node(item) for item in items] if len(items) > 1 else _node(items[0])
    return node


def _text(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext() if not list(element) else [element.text or ""]).split())


def _name(tag: str) -> str:
    """A tag or attribute name without its namespace (``{urn:…}error`` → ``error``)."""
    return tag.rsplit("}", 1)[-1]
