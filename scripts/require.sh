# Sourced by the scripts: the pinned versions (scripts/versions.env) and
# checks that fail with a pointer to scripts/install-deps.sh, the only
# installer, instead of installing anything themselves.
# shellcheck source=versions.env
source "$(dirname "${BASH_SOURCE[0]}")/versions.env"

# require WHAT CMD...: CMD must succeed, else WHAT is reported missing.
require() {
  local what=$1
  shift
  if ! "$@" >/dev/null 2>&1; then
    echo "$what is missing or at another version: run scripts/install-deps.sh" >&2
    exit 1
  fi
}

# require_output WHAT PATTERN CMD...: CMD's output must contain PATTERN.
require_output() {
  local what=$1 pattern=$2 out
  shift 2
  out=$("$@" 2>/dev/null || true)
  [[ "$out" == *"$pattern"* ]] || require "$what" false
}

# require_py NAME VERSION: the Python package NAME is installed at VERSION.
require_py() {
  require "Python package $1==$2" python3 - "$1" "$2" <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]) == sys.argv[2] else 1)
PY
}
