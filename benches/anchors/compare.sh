#!/usr/bin/env bash
# Issue 16's anchors, measured in the same run as Mirage, interleaved, best
# of ROUNDS (default 5):
#   - emission model, whole process: `mirage run scenarios/calibration/emission.toml`
#     against its radCAD twin (emission_radcad.py, same genesis stakes; the
#     script checks that the two Gini series agree to 1e-9 at every epoch);
#   - Boltzmann model, per step with start-up cancelled out (a 2,000-step
#     run minus a 200-step run, over 1,800): Mirage's
#     scenarios/calibration/boltzmann.toml against Mesa 3.3.1 (boltzmann_mesa.py).
# Needs the release binary (`cargo build --release`) and PyPI; the venv is
# VENV (default target/anchors-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
MIRAGE=${MIRAGE:-target/release/mirage}
ROUNDS=${ROUNDS:-5}
VENV=${VENV:-target/anchors-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r benches/anchors/requirements.txt
PY="$VENV/bin/python"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
secs() { local t0; t0=$(now); "$@" >/dev/null; python3 -c "print($(now) - $t0)"; }

"$MIRAGE" run scenarios/calibration/emission.toml --out "$tmp/em" --force --no-dashboard >/dev/null
"$PY" benches/anchors/emission_radcad.py "$tmp/em/agents.csv" "$tmp/radcad-gini.csv" >/dev/null
python3 - "$tmp/em/epochs.csv" "$tmp/radcad-gini.csv" <<'PY'
import csv, sys
a = [float(r["gini_wealth"]) for r in csv.DictReader(open(sys.argv[1]))]
b = [float(r["gini_wealth"]) for r in csv.DictReader(open(sys.argv[2]))]
assert len(a) == len(b) == 1000, (len(a), len(b))
diff = max(abs(x - y) for x, y in zip(a, b))
assert diff < 1e-9, diff
print(f"emission: Mirage and radCAD Gini series agree to {diff:.1e} at every one of 1,000 epochs")
PY

best() { sort -g | head -1; }
: >"$tmp/m_em"; : >"$tmp/r_em"; : >"$tmp/m_b"; : >"$tmp/mesa_b"
for round in $(seq "$ROUNDS"); do
  secs "$MIRAGE" run scenarios/calibration/emission.toml --out "$tmp/e$round" --no-dashboard >>"$tmp/m_em"
  secs "$PY" benches/anchors/emission_radcad.py "$tmp/em/agents.csv" >>"$tmp/r_em"
  long=$(secs "$MIRAGE" run scenarios/calibration/boltzmann.toml --out "$tmp/bl$round" --no-dashboard --set epochs=2000)
  short=$(secs "$MIRAGE" run scenarios/calibration/boltzmann.toml --out "$tmp/bs$round" --no-dashboard --set epochs=200)
  python3 -c "print(($long - $short) / 1800)" >>"$tmp/m_b"
  long=$(secs "$PY" benches/anchors/boltzmann_mesa.py 2000)
  short=$(secs "$PY" benches/anchors/boltzmann_mesa.py 200)
  python3 -c "print(($long - $short) / 1800)" >>"$tmp/mesa_b"
  echo "round $round of $ROUNDS done" >&2
done
python3 - "$(best <"$tmp/m_em")" "$(best <"$tmp/r_em")" "$(best <"$tmp/m_b")" "$(best <"$tmp/mesa_b")" "$ROUNDS" <<'PY'
import sys
m_em, r_em, m_b, mesa_b = map(float, sys.argv[1:5])
print(f"best of {sys.argv[5]} interleaved rounds, load as `uptime` shows it")
print("| model | Mirage | anchor | ratio |")
print("|---|---|---|---|")
print(f"| emission, whole process, 10,000 x 1,000 | {m_em:.3f} s, {1e7 / m_em / 1e6:.1f} M agent-epochs/s | radCAD {r_em:.3f} s, {1e7 / r_em / 1e6:.1f} M/s | x{r_em / m_em:.1f} |")
print(f"| Boltzmann, per step, 10,000 agents | {m_b * 1e6:.0f} us, {1e4 / m_b / 1e6:.1f} M agent-steps/s | Mesa 3.3.1 {mesa_b * 1e3:.2f} ms | x{mesa_b / m_b:.0f} |")
PY
uptime
