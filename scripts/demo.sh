#!/usr/bin/env bash
# Install Jac-Scale, deploy the example app on the local target and call it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

echo "==> installing jac-scale into .venv"
ensure_venv all
export PATH="$PWD/.venv/bin:$PATH"

app=examples/todo/app.jac
echo "==> jac-scale deploy $app"
jac-scale deploy "$app"
url=$(jac-scale url "$app")
echo "==> POST $url/walker/AddTodo"
curl -sS -X POST -H 'content-type: application/json' -d '{"title":"ship it"}' "$url/walker/AddTodo"
echo
echo "==> POST $url/walker/ListTodos"
curl -sS -X POST -H 'content-type: application/json' -d '{}' "$url/walker/ListTodos"
echo
jac-scale status "$app"
echo "==> done. Stop it with: .venv/bin/jac-scale destroy $app --yes"
