#!/usr/bin/env bash
# The GPU figures of benchmarks/README.md in one short run (about 6 minutes on one H200).
#
#   bash benchmarks/gpu.sh [RESULTS_DIR]
#
# Runs the deep-model steps side by side with PyTorch on the same GPU: the book's conv VAE
# at batch 32/128/512, the camel DCGAN and CelebA WGAN-GP iterations, and MADE / PixelCNN /
# WaveNet training and sampling. Needs a CUDA build of JAX (`pip install -e '.[cuda12]'`)
# and PyTorch with CUDA. Results go to RESULTS_DIR (default benchmarks/results) as JSON,
# one file per benchmark; the table at the end is `python -m benchmarks table`'s input.
set -uo pipefail
cd "$(dirname "$0")/.."
RESULTS="${1:-benchmarks/results}"
mkdir -p "$RESULTS"
export GEN_JAX_BENCHMARK_RESULTS="$RESULTS" PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
"$PY" -c "import jax, torch; print('jax', jax.__version__, jax.devices()); print('torch', torch.__version__, torch.cuda.get_device_name(0))"
status=0
run() {  # NAME SECONDS ARGS...
    local name=$1 limit=$2
    shift 2
    echo "=== $name $*"
    timeout "$limit" "$PY" -m "benchmarks.$name" "$@" || { echo "=== $name failed ($?)"; status=1; }
}
run vae_step 150 --batch-size 32 128 512 --steps 50 --warmup 5 --name vae_step_gpu
run gan_step 180 --batch-size 64 --image-size 64 --steps 20 --warmup 3 --rounds 2 --name gan_step_gpu
run autoregressive 150 --batch-size 64 --steps 30 --rounds 2 --train-steps 300 --name autoregressive_gpu
exit $status
