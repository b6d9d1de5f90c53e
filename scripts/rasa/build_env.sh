#!/usr/bin/env bash
# Opt-in: a separate Rasa 3.6 environment (Python 3.10 + TensorFlow CPU) next to Quita's own,
# our NLU data exported as a Rasa project, trained, and served for the Rasa backend.
#
#   scripts/rasa/build_env.sh env      # create the venv and pip install rasa (slow, ~2 GB)
#   scripts/rasa/build_env.sh train    # quita nlu export-rasa + rasa train nlu
#   scripts/rasa/build_env.sh serve    # rasa run --enable-api on 127.0.0.1:$RASA_PORT
#   scripts/rasa/build_env.sh all      # env, train, serve (the default)
#
#   QUITA_RASA_TESTS=1 .venv/bin/pytest tests/nlu/test_rasa.py
#
# Everything lands in .rasa/ (git-ignored by its own .gitignore), or wherever RASA_HOME says.
# Settings: PYTHON310 (a python3.10; else PATH, then pyenv), RASA_HOME, RASA_PORT (5005),
# RASA_HOST (127.0.0.1), QUITA_PYTHON (Quita's interpreter, default .venv/bin/python).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
RASA_HOME=${RASA_HOME:-$REPO/.rasa}
ENV_DIR=$RASA_HOME/venv
PROJECT_DIR=$RASA_HOME/project
RASA_PORT=${RASA_PORT:-5005}
RASA_HOST=${RASA_HOST:-127.0.0.1}
QUITA_PYTHON=${QUITA_PYTHON:-$REPO/.venv/bin/python}
RASA_VERSION=3.6.21

find_python310() {
  # The first candidate that really runs Python 3.10 (a pyenv shim on PATH may not).
  local root=${PYENV_ROOT:-$HOME/.pyenv} candidate
  for candidate in ${PYTHON310:-} "$(command -v python3.10 || true)" \
    "$root"/versions/3.10*/bin/python3.10; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  return 1
}

build_env() {
  mkdir -p "$RASA_HOME"
  [ -f "$RASA_HOME/.gitignore" ] || printf '*\n' >"$RASA_HOME/.gitignore"
  if [ -x "$ENV_DIR/bin/rasa" ] && "$ENV_DIR/bin/python" -c "import rasa" 2>/dev/null; then
    echo "rasa already installed in $ENV_DIR"
    return
  fi
  local py
  if ! py=$(find_python310); then
    echo "Rasa $RASA_VERSION needs Python 3.10: set PYTHON310=/path/to/python3.10" >&2
    exit 1
  fi
  echo "creating $ENV_DIR with $py"
  [ -x "$ENV_DIR/bin/python" ] || "$py" -m venv "$ENV_DIR"
  # pip < 24.1 as a precaution: 24.1 rejects legacy (non-PEP 440) version metadata that
  # packages of Rasa 3.6's era may carry. constraints.txt: a pip freeze that worked.
  "$ENV_DIR/bin/pip" install --upgrade "pip<24.1" "setuptools<70" wheel
  "$ENV_DIR/bin/pip" install -c "$REPO/scripts/rasa/constraints.txt" "rasa==$RASA_VERSION"
  "$ENV_DIR/bin/rasa" --version
}

train() {
  [ -x "$ENV_DIR/bin/rasa" ] || build_env
  "$QUITA_PYTHON" -m bot nlu export-rasa "$PROJECT_DIR"
  local start end
  start=$(date +%s)
  (cd "$PROJECT_DIR" && "$ENV_DIR/bin/rasa" train nlu --out models --fixed-model-name quita-nlu)
  end=$(date +%s)
  echo "rasa train nlu took $((end - start)) s"
}

serve() {
  [ -f "$PROJECT_DIR/models/quita-nlu.tar.gz" ] || train
  echo "Rasa on http://$RASA_HOST:$RASA_PORT (point Quita at it: nlu.backend: rasa)"
  cd "$PROJECT_DIR"
  exec "$ENV_DIR/bin/rasa" run --enable-api -i "$RASA_HOST" -p "$RASA_PORT" \
    -m models/quita-nlu.tar.gz
}

case "${1:-all}" in
  env) build_env ;;
  train) train ;;
  serve) serve ;;
  all) build_env && train && serve ;;
  *)
    echo "usage: $0 [env|train|serve|all]" >&2
    exit 2
    ;;
esac
