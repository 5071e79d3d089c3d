"""Writes the NSIS includes of the bundle's files (installer/windows/casereview.nsi includes them):
files.nsh (SetOutPath and File for every file of the bundle), unfiles.nsh (Delete for each, then RMDir of each
folder, deepest first) and size.nsh (ESTIMATED_KB, for Windows' list of programs).

    python installer/windows/filelist.py dist/casereview [OUT_DIR]

Run on Windows by build.ps1 and on Linux by the test that compiles the script over the Linux bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def _win(relative: Path) -> str:
    return "\\".join(relative.parts)


def write_lists(bundle: Path, out: Path) -> int:
    """Returns the number of files listed."""
    bundle = bundle.resolve()
    files = sorted(p for p in bundle.rglob("*") if p.is_file())  # a link is listed as the file it names
    install: list[str] = []
    folders: set[Path] = set()
    current: Path | None = None
    for path in files:
        folder = path.parent.relative_to(bundle)
        if folder != current:
            install.append(f'  SetOutPath "$INSTDIR{chr(92) + _win(folder) if folder.parts else ""}"')
            current = folder
        install.append(f'  File "{path.as_posix() if sys.platform != "win32" else path}"')
        while folder.parts:
            folders.add(folder)
            folder = folder.parent
    remove = [f'  Delete "$INSTDIR\\{_win(p.relative_to(bundle))}"' for p in files]
    remove += [f'  RMDir "$INSTDIR\\{_win(f)}"' for f in sorted(folders, key=lambda f: (-len(f.parts), f))]
    size_kb = sum(p.stat().st_size for p in files if p.is_file()) // 1024
    out.mkdir(parents=True, exist_ok=True)
    (out / "files.nsh").write_text("\n".join(install) + "\n", encoding="utf-8")
    (out / "unfiles.nsh").write_text("\n".join(remove) + "\n", encoding="utf-8")
    (out / "size.nsh").write_text(f"!define ESTIMATED_KB {size_kb}\n", encoding="utf-8")
    return len(files)


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    count = write_lists(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else here)
    print(f"{count} files listed")
