#!/usr/bin/env bash
# Opt-in: build a separate Rasa 3.6 environment (Python 3.10 + TensorFlow), export our NLU
# data as a Rasa project, train it and serve it, so QUITA_RASA_TESTS=1 can run the backend
# against a real server.
#
#   scripts/rasa/build_env.sh [ENV_DIR] [PROJECT_DIR] [PORT]
#   QUITA_RASA_TESTS=1 QUITA_RASA_URL=http://127.0.0.1:5005 .venv/bin/pytest tests/nlu -k rasa
set -euo pipefail
ENV_DIR=${1:-.rasa-env}
PROJECT_DIR=${2:-.quita/rasa-project}
PORT=${3:-5005}
PYTHON310=${PYTHON310:-python3.10}

if ! command -v "$PYTHON310" >/dev/null; then
  echo "Rasa 3.6 needs Python 3.10 (set PYTHON310=/path/to/python3.10)" >&2
  exit 1
fi
if [ ! -x "$ENV_DIR/bin/rasa" ]; then
  "$PYTHON310" -m venv "$ENV_DIR"
  "$ENV_DIR/bin/pip" install --upgrade pip
  "$ENV_DIR/bin/pip" install "rasa==3.6.*"
fi
.venv/bin/python -m bot nlu export-rasa "$PROJECT_DIR"
( cd "$PROJECT_DIR" && "../../$ENV_DIR/bin/rasa" train nlu --out models )
echo "starting Rasa on port $PORT (Ctrl-C to stop)"
cd "$PROJECT_DIR"
exec "../../$ENV_DIR/bin/rasa" run --enable-api -p "$PORT" -m models
