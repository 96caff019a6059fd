#!/usr/bin/env bash
# CI of the Python package: a fresh virtual environment, `pip install
# ./python` (maturin builds the abi3 wheel), the test dependencies, the
# `mirage` binary the tests compare against, then pytest (which also
# executes examples/notebook.ipynb). Exits non-zero on any failure,
# including pytest's exit 5 ("no tests collected").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
venv="$(mktemp -d "${TMPDIR:-/tmp}/mirage-py-ci.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$here[test]"
"$venv/bin/python" -m ipykernel install --prefix "$venv" --name python3 >/dev/null

# The tests compare against the command line's outputs.
(cd "$root" && cargo build --release --bin mirage)
export MIRAGE_BIN="$root/target/release/mirage"

# Lints of the bindings' crate (its own workspace, not the root's).
(cd "$here" && cargo fmt --check && cargo clippy --all-targets -- -D warnings)

cd "$here/tests"  # not python/: its mirage/ has no compiled module
set +e
"$venv/bin/pytest" -q .
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "python/ci.sh: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
