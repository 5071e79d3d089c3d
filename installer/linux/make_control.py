"""Writes the .deb's control file (installer/build.sh --deb) from the template installer/linux/control: the version,
the architecture, the installed size, and the Maintainer — who answers for this package — taken, in this order,
from:

1. ``CASEREVIEW_MAINTAINER``, as ``Name <address>`` (whoever builds the package for an office sets it);
2. else ``git config user.name`` and ``user.email`` of the checkout, when both are set;
3. else ``CaseReview local build (no maintainer named)``: a label that says no one in particular answers for the
   package, with no address (dpkg and apt accept it; a package for Debian's archive would need a real one).

An address at a domain reserved for examples and tests (example.org, example.com, example.net, .example, .test,
.invalid, .localhost, .local) is nobody's: one given in CASEREVIEW_MAINTAINER is refused; one in git's settings
is passed over, for the label. The package has no Homepage field: the project has no web site of its own.

    python installer/linux/make_control.py TEMPLATE OUT --version V --arch A --size KB [--source DIR]

(``--source``: the checkout whose git settings are read; by default the one this file is in.) It says on standard
error which maintainer it wrote and where it came from; exit 2 for a CASEREVIEW_MAINTAINER it refuses.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = "CaseReview local build (no maintainer named)"
RESERVED = ("example", "example.com", "example.net", "example.org", "test", "invalid", "localhost", "local")
_ADDRESS = re.compile(r"[^<>@\s]+@(?P<domain>[^<>@\s]+)")
_MAINTAINER = re.compile(r"(?P<name>[^<>\n]*[^<>\s])\s*<(?P<address>[^<>\n]+)>")


class Refused(ValueError):
    pass


def reserved(domain: str) -> bool:
    """Whether `domain` is one kept for examples and tests (RFC 2606, RFC 6761), or under one."""
    domain = domain.lower().rstrip(".")
    return any(domain == kept or domain.endswith(f".{kept}") for kept in RESERVED)


def _checked(name: str, address: str) -> str | None:
    """``Name <address>``, or None when the address is not one or is at a reserved domain."""
    found = _ADDRESS.fullmatch(address.strip())
    if not name.strip() or found is None or reserved(found["domain"]):
        return None
    return f"{' '.join(name.split())} <{address.strip()}>"


def _git(source: Path, key: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(source), "config", key], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def maintainer(source: Path = ROOT) -> tuple[str, str]:
    """The Maintainer field's value, and where it came from."""
    given = os.environ.get("CASEREVIEW_MAINTAINER", "").strip()
    if given:
        parts = _MAINTAINER.fullmatch(given)
        value = _checked(parts["name"], parts["address"]) if parts else None
        if value is None:
            raise Refused(f"CASEREVIEW_MAINTAINER={given!r} is not who answers for the package: write it as "
                          "Name <address>, with an address people can write to (not at example.org or another "
                          "domain kept for examples).")
        return value, "CASEREVIEW_MAINTAINER"
    name, address = _git(source, "user.name"), _git(source, "user.email")
    if name and address:
        value = _checked(name, address)
        if value is not None:
            return value, "git config user.name and user.email"
        return DEFAULT, f"the label: git's user.email ({address}) is not an address people can write to"
    return DEFAULT, "the label: neither CASEREVIEW_MAINTAINER nor git's user.name and user.email are set"


def write_control(template: Path, out: Path, *, version: str, arch: str, size: str, source: Path = ROOT) -> str:
    """Fill in the template; returns what is said about the maintainer chosen."""
    value, origin = maintainer(source)
    fields = {"@VERSION@": version, "@ARCH@": arch, "@SIZE@": size, "@MAINTAINER@": value}
    text = template.read_text(encoding="utf-8")
    for placeholder, filled in fields.items():
        text = text.replace(placeholder, filled)
    left = re.findall(r"@[A-Z]+@", text)
    if left:
        raise Refused(f"{template} has placeholders nobody fills in: {', '.join(left)}")
    out.write_text(text, encoding="utf-8")
    return f"Maintainer: {value} (from {origin})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--version", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--size", required=True, help="the installed size, in KiB")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose git settings are read")
    args = parser.parse_args(argv)
    try:
        said = write_control(args.template, args.out, version=args.version, arch=args.arch, size=args.size,
                             source=args.source)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    print(said, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
