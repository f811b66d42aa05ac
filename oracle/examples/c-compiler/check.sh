#!/bin/sh
# The monolithic check (oracle.check in gantry.yaml), run on main after every
# merge: the program built entirely by the candidate compiler must print what
# the gcc build prints. When it does not, gantry bisects to find which units
# the candidate gets wrong.
set -eu
lists="$(mktemp -d)"
ls src/u*.c > "$lists/all"
: > "$lists/none"
GANTRY_CANDIDATE_UNITS="$lists/none" GANTRY_ORACLE_UNITS="$lists/all" sh build.sh
./build/prog > "$lists/expected"
GANTRY_CANDIDATE_UNITS="$lists/all" GANTRY_ORACLE_UNITS="$lists/none" sh build.sh
./build/prog > "$lists/actual"
diff "$lists/expected" "$lists/actual"
