#!/usr/bin/env bash
# Builds CaseReview's installable Python wheel into installer/dist/ (policies, migrations and resources
# included), for offices that install with pip into their own environment. A desktop installer with its own
# Python comes in a later version.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup
rm -rf installer/dist
.venv/bin/python -m pip wheel --no-deps --disable-pip-version-check -q -w installer/dist .
echo "Built: $(ls installer/dist/*.whl)"
