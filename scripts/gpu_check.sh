#!/usr/bin/env bash
# GPU readiness in one short run (at most about 8 minutes on one H100/H200):
#   1. every chapter's `smoke` profile trained on CUDA, into a results folder of its own;
#   2. the four benchmarks at the sizes of the performance issue, on CUDA.
# Everything it writes lands under $OUT (default: benchmarks/results/gpu-check), as small JSON.
#     bash scripts/gpu_check.sh            # from the repository root, with .venv installed
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-benchmarks/results/gpu-check}"
PY="${PYTHON:-.venv/bin/python}"
mkdir -p "$OUT"
export RNNBOOK_DEVICE=cuda RNNBOOK_PROGRESS=0 RNNBOOK_WORKERS=1
export RNNBOOK_RESULTS="$OUT/results"
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name())"

status=0
for chapter in pascanu2013 chung2014 jozefowicz2015 lipton2015 orvieto2023; do
  started=$(date +%s)
  if timeout 240 "$PY" -m rnnbook run "$chapter" --profile smoke --no-progress > "$OUT/$chapter.log" 2>&1; then
    echo "{\"chapter\": \"$chapter\", \"ok\": true, \"seconds\": $(( $(date +%s) - started ))}" > "$OUT/$chapter.json"
  else
    echo "{\"chapter\": \"$chapter\", \"ok\": false, \"seconds\": $(( $(date +%s) - started ))}" > "$OUT/$chapter.json"
    status=1
  fi
done

timeout 60 "$PY" benchmarks/bandwidth.py --device cuda --out "$OUT/bandwidth.json" || status=1
timeout 120 "$PY" benchmarks/scan.py --device cuda --out "$OUT/scan.json" || status=1
timeout 120 "$PY" benchmarks/cells.py --device cuda --out "$OUT/cells.json" || status=1
timeout 60 "$PY" benchmarks/batched_training.py --out "$OUT/batched.json" || status=1
ls -l "$OUT"
exit $status
