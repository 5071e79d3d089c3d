#!/usr/bin/env bash
# Builds CaseReview for installing (installer/README.md says what each is and how it is tested):
#   installer/build.sh            the Python wheel → installer/dist/ (pip installs it; the window is its
#                                 casereview-desktop command, the command line its casereview command)
#   installer/build.sh --bundle   the wheel, then the PyInstaller one-folder bundle → dist/casereview/ (its own
#                                 Python and Qt; dist/casereview/casereview --self-test checks it)
#   installer/build.sh --deb      all of that, then the Debian package → dist/casereview_VERSION_ARCH.deb
# Each prints how long it took and how big its result is.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case "$mode" in ""|--bundle|--deb) ;; *) echo "usage: installer/build.sh [--bundle | --deb]" >&2; exit 2 ;; esac
scripts/setup
started=$SECONDS
rm -rf installer/dist
.venv/bin/python -m pip wheel --no-deps --disable-pip-version-check -q -w installer/dist .
echo "Built: $(ls installer/dist/*.whl)"
[ -n "$mode" ] || exit 0

# PyInstaller, pinned in pyproject.toml's "build" extra (scripts/setup leaves it out: only builds need it)
pins=$(.venv/bin/python - <<'PY'
import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["build"]))
PY
)
if ! .venv/bin/python - "$pins" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1].split()))
PY
then
  echo "Installing $pins"
  # shellcheck disable=SC2086
  .venv/bin/python -m pip install --quiet --disable-pip-version-check $pins
fi
rm -rf dist/casereview build/pyinstaller
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  installer/casereview.spec
version=$(cat dist/casereview/VERSION)
echo "Built: dist/casereview/ (CaseReview $version, $(du -sm dist/casereview | cut -f1) MB) in $((SECONDS - started)) s"
[ "$mode" = --deb ] || exit 0

# The Debian package: the bundle in /opt/casereview, /usr/bin/casereview-desktop, a desktop entry and icon.
arch=$(dpkg --print-architecture)
root=build/deb/root
rm -rf build/deb
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/icons/hicolor/scalable/apps" \
  "$root/usr/share/doc/casereview"
cp -a dist/casereview "$root/opt/casereview"
ln -s /opt/casereview/casereview "$root/usr/bin/casereview-desktop"
cp installer/linux/casereview.desktop "$root/usr/share/applications/"
cp resources/icons/casereview.png "$root/usr/share/icons/hicolor/256x256/apps/"
cp resources/icons/casereview.svg "$root/usr/share/icons/hicolor/scalable/apps/"
cp resources/licenses/THIRD-PARTY.txt "$root/usr/share/doc/casereview/copyright"
[ ! -f docs/quick-start.pdf ] || cp docs/quick-start.pdf "$root/usr/share/doc/casereview/"
for script in postinst prerm postrm; do install -m 0755 "installer/linux/$script" "$root/DEBIAN/$script"; done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# the Maintainer: CASEREVIEW_MAINTAINER="Name <address>", else git's user.name and user.email, else a label saying no
# one is named (installer/linux/make_control.py; installer/README.md)
.venv/bin/python installer/linux/make_control.py installer/linux/control "$root/DEBIAN/control" \
  --version "$version" --arch "$arch" --size "$size"
deb="dist/casereview_${version}_${arch}.deb"
# xz: the smallest, and every dpkg reads it. CI sets CASEREVIEW_DEB_COMPRESSION=zstd (the same contents, about
# 20 MB larger, made in a fifth of the time; Debian 12's and Ubuntu 22.04's dpkg read it, Debian 11's does not).
dpkg-deb --root-owner-group "-Z${CASEREVIEW_DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null
echo "Built: $deb ($(du -sm "$deb" | cut -f1) MB; installed $((size / 1024)) MB) in $((SECONDS - started)) s"
