#!/usr/bin/env bash
# The Python package's checks, run by .ci/run and `make test`:
#   1. installs what they need from Debian when missing (python3-numpy, python3-torch,
#      python3-pytest, python3-setuptools, python3-wheel, python3-venv);
#   2. builds and installs the package the README's way: a virtual environment that sees
#      Debian's packages, then pip install ./python (which builds libcredo.so with Go);
#   3. runs the Python tests (side by side with the pinned verl code in ../shared when
#      present) and the golden vectors through Python.
# Exits non-zero on any failure, including "no tests collected" (pytest exit 5).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${CREDO_PYTHON:-/usr/bin/python3}
VENV=${CREDO_VENV:-.venv}

echo "== python: Debian packages"
need=()
for pair in numpy:python3-numpy torch:python3-torch pytest:python3-pytest setuptools:python3-setuptools \
            wheel:python3-wheel ensurepip:python3-venv; do
  "$PY" -c "import ${pair%%:*}" 2>/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

echo "== python: build and install (README: python3 -m venv --system-site-packages .venv && .venv/bin/pip install --no-build-isolation ./python)"
"$PY" -m venv --system-site-packages "$VENV"
VENV="$(cd "$VENV" && pwd)"
"$VENV/bin/pip" install -q --no-build-isolation --force-reinstall --no-deps ./python
rm -rf python/build python/*.egg-info
(cd / && "$VENV/bin/python" -c "import credo; print('credo', credo.__version__, len(credo.methods()), 'methods')")

echo "== python: tests"
set +e
"$VENV/bin/python" -m pytest -q -p no:cacheprovider python/tests
rc=$?
set -e
if [ $rc -eq 5 ]; then echo "python: pytest collected no tests"; exit 1; fi
if [ $rc -ne 0 ]; then echo "python: tests failed (pytest exit $rc)"; exit $rc; fi

echo "== python: golden vectors through Python"
"$VENV/bin/python" -m credo.golden testdata/golden
if [ -d ../shared/golden ]; then "$VENV/bin/python" -m credo.golden ../shared/golden; fi
