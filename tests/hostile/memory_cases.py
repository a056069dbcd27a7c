"""The "Gigabytes" cases of the hostile corpus: expressions whose values would take gigabytes.

Each is a Terraform module whose ``bad.tf`` builds a value far over the memory budget for
values (``EvalOptions.max_value_bytes``) or expands far over the instances of a root
(``EvalOptions.max_root_instances``), beside the usual good ``main.tf``. Each must stop at the
budget with a located error on the expression (file and line), and the good file's findings
must survive. ``hostile_cases.cases()`` includes them; ``test_memory_budget.py`` also runs each
through the command line and bounds its peak RSS.
"""

from __future__ import annotations

from hostile_cases import Case, Expect, _tf_case

BUDGET = "memory budget"
INSTANCES = "instances"


def _key(line: str) -> bytes:
    """A KMS key whose rotation flag is decided by ``line`` (so the rules read it)."""
    return f'resource "aws_kms_key" "hostile" {{\n  enable_key_rotation = {line}\n}}\n'.encode()


def _one(name: str, expression: str, pattern: str = BUDGET) -> Case:
    return _tf_case(name, {"bad.tf": _key(expression)}, (Expect(f"{name}/bad.tf", pattern, 2),))


def _doubling_locals() -> Case:
    """40 locals, each the previous twice: 2^40 bytes."""
    lines = ['locals {\n  l0 = "ab"\n']
    lines += [f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"\n' for i in range(1, 41)]
    lines.append("}\n\n")
    body = "".join(lines).encode() + _key("length(local.l40) > 0")
    # l26 (2^27 bytes, line 28) is the first over the budget: l0..l25 hold 2^27 already
    return _tf_case(
        "mem_doubling_locals",
        {"bad.tf": body},
        (Expect("mem_doubling_locals/bad.tf", BUDGET, 28),),
    )


def _nested_join() -> Case:
    """join of join of join: a 1 KB string, 1 MB, 1 GB."""
    body = (
        b"locals {\n"
        b'  kb = join("", [for i in range(1000) : "x"])\n'
        b'  mb = join("", [for i in range(1000) : local.kb])\n'
        b'  gb = join("", [for i in range(1000) : local.mb])\n'
        b"}\n\n"
    ) + _key("length(local.gb) > 0")
    return _tf_case(
        "mem_nested_join", {"bad.tf": body}, (Expect("mem_nested_join/bad.tf", BUDGET, 4),)
    )


def _replace() -> Case:
    """replace() of each byte of a kilobyte by a megabyte: a gigabyte."""
    body = (
        b"locals {\n"
        b'  kb = join("", [for i in range(1000) : "a"])\n'
        b'  mb = join("", [for i in range(1000) : local.kb])\n'
        b'  gb = replace(local.kb, "a", local.mb)\n'
        b"}\n\n"
    ) + _key("length(local.gb) > 0")
    return _tf_case("mem_replace", {"bad.tf": body}, (Expect("mem_replace/bad.tf", BUDGET, 4),))


def _cubic_for() -> Case:
    """A for of a for of a for, 1 KB per element: a gigabyte of strings."""
    body = (
        b"locals {\n"
        b'  kb = join("", [for i in range(1000) : "x"])\n'
        b"  cube = [for a in range(100) : [for b in range(100) : [for c in range(100) :\n"
        b'    "${local.kb}${a}-${b}-${c}"]]]\n'
        b"}\n\n"
    ) + _key("length(local.cube) > 0")
    return _tf_case("mem_cubic_for", {"bad.tf": body}, (Expect("mem_cubic_for/bad.tf", BUDGET, 4),))


def _template_for() -> Case:
    """Nested %{for} directives repeating a kilobyte: a gigabyte of template."""
    body = (
        b"locals {\n"
        b'  kb = join("", [for i in range(1000) : "x"])\n'
        b"  text = <<-EOT\n"
        b"    %{for a in range(1000)}%{for b in range(1000)}${local.kb}%{endfor}%{endfor}\n"
        b"  EOT\n"
        b"}\n\n"
    ) + _key("length(local.text) > 0")
    return _tf_case(
        "mem_template_for", {"bad.tf": body}, (Expect("mem_template_for/bad.tf", BUDGET, 4),)
    )


def _nested_dynamic() -> Case:
    """Three nested dynamic blocks of 1,000 each: a billion blocks."""
    body = b"""\
resource "aws_backup_plan" "hostile" {
  name = "hostile"
  dynamic "rule" {
    for_each = range(1000)
    content {
      rule_name         = "r${rule.key}"
      target_vault_name = "v"
      dynamic "copy_action" {
        for_each = range(1000)
        content {
          destination_vault_arn = "arn:aws:backup:us-east-1:111122223333:backup-vault:c"
          dynamic "lifecycle" {
            for_each = range(1000)
            content {
              delete_after = lifecycle.key
            }
          }
        }
      }
    }
  }
}
"""
    return _tf_case(
        "mem_nested_dynamic",
        {"bad.tf": body},
        (Expect("mem_nested_dynamic/bad.tf", BUDGET, None),),
    )


def _module_expansion() -> Case:
    """module for_each (1,000) x module for_each (1,000) x count (1,000): a billion resources."""
    thousand = "toset([for i in range(1000) : tostring(i)])"
    root = f'module "outer" {{\n  source   = "./outer"\n  for_each = {thousand}\n}}\n'.encode()
    outer = f'module "inner" {{\n  source   = "../inner"\n  for_each = {thousand}\n}}\n'.encode()
    inner = (
        b'resource "aws_backup_vault" "many" {\n  count = 1000\n  name  = "v${count.index}"\n}\n'
    )
    case = _tf_case(
        "mem_module_expansion",
        {"bad.tf": root, "outer/main.tf": outer, "inner/main.tf": inner},
        (Expect("mem_module_expansion/inner/main.tf", INSTANCES, 2),),
    )
    return case


def _comments() -> Case:
    """A 4 MB file of comments (once 1.2 GB: about 620 bytes of RSS per comment line)."""
    line = b"# a comment line of about sixty bytes, repeated many times\n"
    body = line * 70_000 + b'resource "aws_kms_key" "commented" {\n}\n'
    case = _tf_case("mem_comments", {"comments.tf": body}, ())
    extra = (("KMS001", "aws_kms_key.commented", "mem_comments/comments.tf"),)
    return Case(case.name, case.files, case.expect, case.good + extra)


def memory_cases() -> list[Case]:
    """The cases of the issue's "Gigabytes" list that are values or expansions."""
    return [
        _one("mem_format_width", 'length(format("%01000000000d", 1)) > 0'),
        _one("mem_format_precision", 'length(format("%.1000000000f", 1)) > 0'),
        _one("mem_indent", 'length(indent(1000000000, "a\\nb")) > 0'),
        _replace(),
        _one(
            "mem_formatlist",
            'length(formatlist("%01000000d", range(1000))) > 0',
        ),
        _doubling_locals(),
        _nested_join(),
        _cubic_for(),
        _template_for(),
        _nested_dynamic(),
        _module_expansion(),
        _comments(),
    ]
