"""Fixes that set a resource attribute to a value (``enable_key_rotation = true``), edited where
the value is decided: the literal in the resource, an inserted attribute when it is not set, or
the default of the variable / Parameter it comes from when the finding comes from that default.

Anything else (a local, a conditional, a value from a tfvars file or a module caller, a
``.tf.json`` file) gets no fix: ``set_value`` returns an empty tuple.
"""

from __future__ import annotations

import os
import re

from iacguard.core.fixes import Applicability, Edit, Fix
from iacguard.core.spans import Span
from iacguard.graph.facts import Fact
from iacguard.graph.model import Resource
from iacguard.rules.fix_text import (
    Text,
    hcl_block_end,
    hcl_default_line,
    hcl_insert_line,
    json_append_member,
    json_member_open,
    json_object_close,
    line_indent,
    literal_quote,
    read_text,
    render,
    value_of,
    yaml_child_lines,
    yaml_find_key,
)


def language_of(resource: Resource, src: Text) -> str | None:
    """``terraform`` (native syntax), ``yaml`` or ``json`` (CloudFormation); None otherwise."""
    if resource.language == "terraform":
        return None if src.path.endswith(".json") else "terraform"
    if resource.language == "cloudformation":
        return "json" if src.json else "yaml"
    return None


def assignment(language: str, attr: str, value: str) -> str:
    return f"{attr} = {value}" if language == "terraform" else f"{attr}: {value}"


def set_value(
    memo: dict,
    resource: Resource,
    fct: Fact,
    value: bool | int,
    applicability: Applicability = "safe",
) -> tuple[Fix, ...]:
    """The fix that makes ``fct`` read ``value`` (empty when it cannot be made safely)."""
    src = read_text(fct.span.path, memo)
    if src is None or not fct.path or "." in fct.path or "[" in fct.path:
        return ()
    lang = language_of(resource, src)
    if lang is None:
        return ()
    if fct.value is None:
        edit = _insert(src, resource, lang, fct.path, render(value, ""))
        if edit is None:
            return ()
        title = f"Set {assignment(lang, fct.path, render(value, ''))}"
        return (Fix(title, applicability, (edit,)),)
    current = value_of(src, fct.span, "=" if lang == "terraform" else ":")
    if current is None:
        return ()
    quote = literal_quote(current.text, lang)
    if quote is not None:
        new = render(value, quote)
        if new == current.text:
            return ()
        return (
            Fix(
                f"Set {assignment(lang, fct.path, new)}", applicability, (Edit(current.span, new),)
            ),
        )
    found = _from_default(memo, lang, current.text, fct, value)
    if found is None:
        return ()
    edit, name, shared_use = found
    where = os.path.basename(edit.span.path)
    title = (
        f"Set the default of {name} to {edit.new_text} in {where} "
        f"(the finding comes from that default)"
    )
    # a default used elsewhere too changes those uses: never a safe fix
    return (Fix(title, "unsafe" if shared_use else applicability, (edit,)),)


_SIMPLE_HCL = re.compile(r'^(?:[\w.\-\[\]"]+|"[^"]*")$')
_SIMPLE_YAML = re.compile(r"""^(?:!(?:Ref|GetAtt|Sub)\s+)?(?:[\w.:/${}\-]+|'[^']*'|"[^"]*")$""")
_SIMPLE_JSON = re.compile(r'^(?:"[^"]*"|\{\s*"(?:Ref|Fn::GetAtt|Fn::Sub)"\s*:\s*[^{}]*\})$')


def replace_value(
    memo: dict,
    resource: Resource,
    fct: Fact,
    expressions: dict[str, str],
    applicability: Applicability,
) -> tuple[Fix, ...]:
    """The fix that writes another expression for an attribute set in the resource itself,
    ``expressions`` giving it per syntax (``terraform``, ``yaml``, ``json``): only when the
    current value is one reference or one string (not a conditional, a function call, a
    value over several lines)."""
    if fct.value is None:
        return ()
    src = read_text(fct.span.path, memo)
    if src is None:
        return ()
    lang = language_of(resource, src)
    if lang is None or lang not in expressions:
        return ()
    current = value_of(src, fct.span, "=" if lang == "terraform" else ":")
    simple = {"terraform": _SIMPLE_HCL, "yaml": _SIMPLE_YAML, "json": _SIMPLE_JSON}[lang]
    if current is None or not simple.match(current.text):
        return ()
    new = expressions[lang]
    if new == current.text:
        return ()
    title = f"Write {assignment(lang, fct.path, new)}"
    return (Fix(title, applicability, (Edit(current.span, new),)),)


# ----------------------------------------------------------------------------- insertion


def _insert(src: Text, resource: Resource, lang: str, attr: str, value: str) -> Edit | None:
    extent = resource.extent
    if extent is None or extent.path != src.path:
        return None
    if lang == "terraform":
        close = hcl_block_end(src, extent)
        if close is None:
            return None
        close_line = src.position(close)[0]
        indent = line_indent(src.line(extent.start_line)) + "  "
        text = hcl_insert_line(src, close_line, indent, attr, value)
        return Edit(src.at(src.starts[close_line - 1]), text)
    if lang == "yaml":
        own = len(line_indent(src.line(extent.start_line)))
        props = yaml_find_key(src, extent.start_line + 1, extent.end_line, "Properties")
        if props is None or len(line_indent(src.line(props))) <= own:
            return None
        found = yaml_child_lines(src, props, extent.end_line)
        if found is None:
            return None
        indent, last = found
        if last < len(src.starts):
            return Edit(src.at(src.starts[last]), f"{indent}{attr}: {value}\n")
        return Edit(src.at(len(src.text)), f"\n{indent}{attr}: {value}")
    bounds = src.slice(extent)
    if bounds is None:
        return None
    opening = json_member_open(src, bounds[0], bounds[1], "Properties")
    if opening is None:
        return None
    place = json_append_member(src, opening, f'"{attr}": {value}')
    if place is None:
        return None
    return Edit(src.at(place[0]), place[1])


# ----------------------------------------------------------------------------- defaults

_VAR = re.compile(r"^var\.([A-Za-z_][\w-]*)$")
_REF_YAML = re.compile(r"^!Ref\s+([A-Za-z0-9]+)$")
_REF_JSON = re.compile(r'^\{\s*"Ref"\s*:\s*"([A-Za-z0-9]+)"\s*\}$')


def _from_default(
    memo: dict, lang: str, text: str, fct: Fact, value: bool | int
) -> tuple[Edit, str, bool] | None:
    """The edit of the variable / Parameter default the value comes from, its name and whether
    anything else uses it; None unless the value is exactly that input, under its default."""
    trace = getattr(fct.value, "trace", ())
    if lang == "terraform":
        m = _VAR.match(text)
        if m is None:
            return None
        name = f"var.{m.group(1)}"
        hop = next(
            (h for h in trace if _is_default_hop(h.message, f"{name} = ", "(default)")), None
        )
        if hop is None:
            return None
        src = read_text(hop.span.path, memo)
        if src is None or src.path.endswith(".json"):
            return None
        line = hcl_default_line(src, hop.span.start_line)
        edit = _default_edit(src, line, "=", "terraform", value) if line else None
        if edit is None:
            return None
        return edit, name, _tf_uses(memo, src.path, m.group(1)) > 1
    m = (_REF_YAML if lang == "yaml" else _REF_JSON).match(text)
    if m is None:
        return None
    param = m.group(1)
    hop = next(
        (h for h in trace if _is_default_hop(h.message, f"Parameter {param} = ", "(Default)")), None
    )
    if hop is None or hop.span.path != fct.span.path:
        return None
    src = read_text(hop.span.path, memo)
    if src is None:
        return None
    edit = _param_default(src, lang, hop.span, value)
    if edit is None:
        return None
    return edit, f"Parameter {param}", _cfn_uses(src, param) > 1


def _is_default_hop(message: str, prefix: str, suffix: str) -> bool:
    return message.startswith(prefix) and message.endswith(suffix)


def _default_edit(src: Text, line: int, sep: str, lang: str, value: bool | int) -> Edit | None:
    body = src.line(line)
    start = len(line_indent(body)) + 1
    span = Span(src.path, line, start, line, len(body.rstrip()) + 1)
    current = value_of(src, span, sep)
    if current is None:
        return None
    quote = literal_quote(current.text, "terraform" if lang == "terraform" else "yaml")
    if quote is None:
        return None
    return Edit(current.span, render(value, quote))


def _param_default(src: Text, lang: str, key: Span, value: bool | int) -> Edit | None:
    """The edit of ``Default`` in the Parameter whose key is at ``key``, checked against its
    ``AllowedValues`` / ``MinValue`` / ``MaxValue`` when they are written on one line."""
    body = render(value, "")
    if lang == "yaml":
        found = yaml_child_lines(src, key.start_line, len(src.starts))
        if found is None:
            return None
        block = range(key.start_line + 1, found[1] + 1)
        default = None
        for n in block:
            line = src.line(n)
            if len(line_indent(line)) != len(found[0]):
                continue
            key_name = line.strip().split(":", 1)[0].strip("'\" ")
            rest = line.split(":", 1)[1] if ":" in line else ""
            if key_name == "Default":
                default = n
            elif not _allows(key_name, rest, body):
                return None
        return _default_edit(src, default, ":", "yaml", value) if default else None
    start = src.index(key.start_line, key.start_column)
    if start is None:
        return None
    opening = src.text.find("{", start)
    close = json_object_close(src, opening) if opening >= 0 else None
    if close is None:
        return None
    chunk = src.text[opening:close]
    for name in ("AllowedValues", "MinValue", "MaxValue"):
        m = re.search(rf'"{name}"\s*:\s*([^,}}\n]*(\][^,}}\n]*)?)', chunk)
        if m and not _allows(name, m.group(1), body):
            return None
    m = re.search(r'"Default"\s*:\s*("[^"\\]*"|-?\d+|true|false)', chunk)
    if m is None:
        return None
    quote = '"' if m.group(1).startswith('"') else ""
    return Edit(src.span(opening + m.start(1), opening + m.end(1)), render(value, quote))


def _allows(name: str, rest: str, body: str) -> bool:
    """Whether a Parameter constraint written as ``rest`` lets the new default ``body`` be."""
    rest = rest.split(" #", 1)[0].strip()
    if name == "AllowedValues":
        if not rest:
            return False  # a block list: not read here
        values = [v.strip().strip("'\"") for v in rest.strip("[]").split(",")]
        return body in values
    if name in ("MinValue", "MaxValue"):
        try:
            bound = float(rest.strip("'\""))
            given = float(body)
        except ValueError:
            return False
        return given >= bound if name == "MinValue" else given <= bound
    return True


def _tf_uses(memo: dict, var_file: str, name: str) -> int:
    """How often ``var.NAME`` appears in the Terraform files of the variable's module."""
    folder = os.path.dirname(var_file) or "."
    pattern = re.compile(rf"\bvar\.{re.escape(name)}\b")
    count = 0
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return 2  # cannot tell: not safe
    for entry in entries:
        if entry.endswith(".tf"):
            src = read_text(os.path.join(folder, entry), memo)
            if src is None:
                return 2
            count += len(pattern.findall(src.text))
    return count


def _cfn_uses(src: Text, param: str) -> int:
    """How often a template refers to Parameter ``param`` (``!Ref``, ``Ref``, ``${...}``)."""
    p = re.escape(param)
    pattern = rf'!Ref\s+{p}\b|"Ref"\s*:\s*"{p}"|\bRef\s*:\s*{p}\b|\$\{{{p}\}}'
    return len(re.findall(pattern, src.text))
