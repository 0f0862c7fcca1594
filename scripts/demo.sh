#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and load the example data set into the embedded default target
# (sqlite:hdcopy.db in the current directory) with examples/load.sql, printing Redshift's messages and a check query.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
rm -f hdcopy.db
cd examples
exec ../build/hdcopy -f load.sql
