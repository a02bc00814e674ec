"""Griffe extension for the API reference: the docstrings' Sphinx markup as Markdown.

The docstrings are numpydoc, written with Sphinx's inline markup (``:func:`run_jobs```,
``:math:`n_k```, ``.. math::``, a paragraph ending in ``::`` before a literal block), which
mkdocstrings would print as it stands. This extension, listed under the python handler's
``extensions`` in ``mkdocs.yml``, rewrites the markup before the docstrings are parsed:

- a cross-reference role (``:func:``, ``:class:``, ``:mod:``, ...) becomes a link to the object
  when the API reference shows it, and code text otherwise (an optional autorefs reference, so
  a name the reference does not show, such as a private module, is no warning);
- ``:math:`...``` becomes code text, a ``.. math::`` block a fenced ``tex`` block;
- ``text::`` before a literal block becomes ``text:`` (the indented block stays code);
- the ``#:`` comment lines above a constant or attribute (Sphinx's attribute comments) become
  its docstring.

Short names resolve the way Python would see them from where the docstring is written
(``run_jobs`` in ``imu._jobs`` is ``imu._jobs.run_jobs``, which mkdocstrings links to where
the reference shows it, ``imu.run_jobs``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

CROSS_REFERENCE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const):`([^`]+)`")
MATH_ROLE = re.compile(r":math:`([^`]+)`")
MATH_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)\.\. math::[ ]*(?P<first>.*)\n(?P<rest>(?:(?P=indent)[ ]+\S.*\n?)*)", re.M
)
LITERAL_MARKER = re.compile(r"(\S)::$", re.M)


def _target_path(obj: griffe.Object, target: str) -> str:
    """Return the full path of ``target`` (``name`` or ``name.attribute``) seen from ``obj``."""
    head, _, tail = target.partition(".")
    try:
        path = obj.resolve(head)
    except griffe.NameResolutionError:
        return target
    return f"{path}.{tail}" if tail else path


def _link(obj: griffe.Object, match: re.Match[str]) -> str:
    """Return the optional autorefs reference for one cross-reference role."""
    target = match.group(1).strip()
    shown = target.lstrip("~")
    if target.startswith("~"):
        shown = shown.rsplit(".", 1)[-1]
    path = _target_path(obj, target.lstrip("~.!"))
    return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'


def _math_block(match: re.Match[str]) -> str:
    """Return a ``.. math::`` directive as a fenced ``tex`` block at the same indent."""
    indent = match.group("indent")
    lines = [match.group("first"), *(line.strip() for line in match.group("rest").splitlines())]
    body = "\n".join(f"{indent}{line}" for line in lines if line)
    return f"{indent}```tex\n{body}\n{indent}```\n"


def markdown_from_sphinx(obj: griffe.Object, text: str) -> str:
    """Return ``text``, a docstring of ``obj``, with its Sphinx markup written as Markdown."""
    text = CROSS_REFERENCE.sub(lambda match: _link(obj, match), text)
    text = MATH_ROLE.sub(r"`\1`", text)
    text = MATH_BLOCK.sub(_math_block, text)
    return LITERAL_MARKER.sub(r"\1:", text)


def attribute_comment(obj: griffe.Object) -> str | None:
    """Return the ``#:`` comment lines just above the attribute ``obj`` (None if there are none)."""
    if not obj.is_attribute or obj.lineno is None:
        return None
    lines = obj.lines_collection[obj.filepath]
    comment: list[str] = []
    index = obj.lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        comment.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return "\n".join(comment) or None


class SphinxMarkup(griffe.Extension):
    """Rewrite every docstring of a loaded package (see the module docstring)."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, once the package's object tree is complete."""
        if obj.docstring is None and (comment := attribute_comment(obj)) is not None:
            obj.docstring = griffe.Docstring(comment, parent=obj)
        if obj.docstring is not None:
            obj.docstring.value = markdown_from_sphinx(obj, obj.docstring.value)
