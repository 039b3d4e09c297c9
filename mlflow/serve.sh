#!/usr/bin/env bash
# The kit's MLflow tracking server: loopback only, SQLite backend store, local
# artifact root, both under mlflow/store/ (git-ignored). Used by `make mlflow`.
#   MLFLOW_PORT   port on 127.0.0.1 (default 5000)
#   MLFLOW_STORE  folder for mlflow.db and artifacts/ (default mlflow/store)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
store=$(mkdir -p "${MLFLOW_STORE:-$here/store}" && cd "${MLFLOW_STORE:-$here/store}" && pwd)
mkdir -p "$store/artifacts"
echo "MLflow UI and API: http://127.0.0.1:${MLFLOW_PORT:-5000}  (store: $store)"
exec mlflow server \
  --backend-store-uri "sqlite:///$store/mlflow.db" \
  --default-artifact-root "$store/artifacts" \
  --host 127.0.0.1 --port "${MLFLOW_PORT:-5000}" --workers 1
