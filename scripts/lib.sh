# Shared by demo.sh and test.sh: find Python >= 3.12 and make the project's virtualenv.
# shellcheck shell=bash

find_python() {
    local candidate
    for candidate in python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; raise SystemExit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in 3.12 3.13; do
            local found
            found=$(pyenv prefix "$candidate" 2>/dev/null) && [ -x "$found/bin/python3" ] &&
                { echo "$found/bin/python3"; return 0; }
        done
    fi
    echo "error: Jac-Scale needs Python >= 3.12 (jaclang requires it); install it and retry" >&2
    return 1
}

# ensure_venv EXTRAS: create .venv with Python >= 3.12 and install the package with EXTRAS.
ensure_venv() {
    local extras=$1 python
    if [ ! -x .venv/bin/python ] ||
        ! .venv/bin/python -c 'import sys; raise SystemExit(sys.version_info < (3, 12))'; then
        python=$(find_python)
        rm -rf .venv
        "$python" -m venv .venv
        .venv/bin/python -m pip install -q --upgrade pip
    fi
    .venv/bin/python -m pip install -q -e ".[$extras]"
}
