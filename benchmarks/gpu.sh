#!/usr/bin/env bash
# The GPU figures of benchmarks/README.md in one short run (about 6 minutes on one H200).
#
#   bash benchmarks/gpu.sh [--install] [--dry-run] [RESULTS_DIR]
#
# Runs the deep-model steps side by side with PyTorch on the same GPU: the book's conv VAE
# at batch 32/128/512, the camel DCGAN and CelebA WGAN-GP iterations, MADE / PixelCNN /
# WaveNet training and sampling, and the character GPT at nanoGPT's GPU size. Each result
# JSON holds, beside the timings, XLA's FLOP count of one update and the model FLOPs
# utilisation against the device's float32 peak (benchmarks/harness.py). Results go to
# RESULTS_DIR (default benchmarks/results), one file per benchmark, named *_gpu.json.
#
#   --install  first make a fresh virtual environment (.venv-gpu) with the CUDA builds of
#              JAX and PyTorch (`pip install -e '.[cuda12]' torch`; needs the network).
#   --dry-run  run every row on the CPU at toy sizes, to check the script end to end on a
#              machine without a GPU (results go to a temporary folder unless given).
#   GPU_ROWS="vae_step transformer"  runs only those rows (default: all).
set -uo pipefail
cd "$(dirname "$0")/.."
INSTALL=0 DRY_RUN=0 RESULTS=""
for arg in "$@"; do
    case "$arg" in
        --install) INSTALL=1 ;;
        --dry-run) DRY_RUN=1 ;;
        -*) echo "gpu.sh: unknown option $arg (use --install, --dry-run)" >&2; exit 2 ;;
        *) RESULTS="$arg" ;;
    esac
done
PY="${PYTHON:-python3}"
if [ "$INSTALL" = 1 ]; then
    "$PY" -m venv .venv-gpu && .venv-gpu/bin/python -m pip install --quiet -e '.[cuda12]' torch \
        || { echo "gpu.sh: installing the CUDA builds failed" >&2; exit 1; }
    PY=.venv-gpu/bin/python
fi
if [ "$DRY_RUN" = 1 ]; then
    RESULTS="${RESULTS:-$(mktemp -d)}"
    export JAX_PLATFORMS=cpu CUDA_VISIBLE_DEVICES=""
else
    RESULTS="${RESULTS:-benchmarks/results}"
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
fi
mkdir -p "$RESULTS"
export GEN_JAX_BENCHMARK_RESULTS="$RESULTS" PYTHONUNBUFFERED=1
"$PY" -c "import jax, torch; print('jax', jax.__version__, jax.devices()); print('torch', torch.__version__, torch.cuda.is_available())"
status=0
run() {  # NAME SECONDS FULL_ARGS -- DRY_RUN_ARGS
    local name=$1 limit=$2 args=() toy=() seen=0
    shift 2
    for arg in "$@"; do
        if [ "$arg" = "--" ]; then seen=1; elif [ $seen = 0 ]; then args+=("$arg"); else toy+=("$arg"); fi
    done
    [ "$DRY_RUN" = 1 ] && args=("${toy[@]}")
    if [ -n "${GPU_ROWS:-}" ] && [[ " $GPU_ROWS " != *" $name "* ]]; then return; fi
    echo "=== $name ${args[*]}"
    timeout "$limit" "$PY" -m "benchmarks.$name" "${args[@]}" || { echo "=== $name failed ($?)"; status=1; }
}
run vae_step 150 --batch-size 32 128 512 --steps 50 --warmup 5 --name vae_step_gpu \
    -- --batch-size 8 --steps 2 --warmup 1 --rounds 1 --name vae_step_gpu
run gan_step 180 --batch-size 64 --image-size 64 --steps 20 --warmup 3 --rounds 2 --name gan_step_gpu \
    -- --batch-size 4 --image-size 64 --width-divisor 8 --steps 2 --warmup 1 --rounds 1 --name gan_step_gpu
run autoregressive 150 --batch-size 64 --steps 30 --rounds 2 --train-steps 300 --name autoregressive_gpu \
    -- --batch-size 4 --steps 2 --rounds 1 --train-steps 2 --name autoregressive_gpu
run transformer 150 --batch-size 64 --block-size 256 --layers 6 --heads 6 --width 384 --steps 30 \
    --warmup 3 --rounds 3 --num-samples 8 --name transformer_gpu \
    -- --batch-size 2 --block-size 16 --layers 1 --heads 2 --width 16 --steps 2 --warmup 1 \
    --rounds 1 --sample-repeats 1 --num-samples 2 --held-out-characters 2000 --name transformer_gpu
echo "results in $RESULTS"
exit $status
