#!/bin/sh
# Builds build/prog from a mix: the units listed in $GANTRY_CANDIDATE_UNITS
# with the candidate compiler (cc/candidate-cc), those in $GANTRY_ORACLE_UNITS
# with the oracle, plain gcc ($ORACLE_CC). gantry writes both lists, one unit
# per line, for every probe.
set -eu
root="$(pwd)"
oracle_cc="${ORACLE_CC:-gcc}"
flags="-O1 -I$root/include"
absolute() { sed "s|^|$root/|" "$1"; }
oracle_units="$(absolute "$GANTRY_ORACLE_UNITS")"
candidate_units="$(absolute "$GANTRY_CANDIDATE_UNITS")"
rm -rf build && mkdir -p build/candidate build/oracle
# The oracle side is one unity build (a file that includes every oracle unit):
# one compiler run instead of one per unit keeps a probe fast.
if [ -n "$oracle_units" ]; then
  for unit in $oracle_units; do echo "#include \"$unit\""; done > build/oracle/unity.c
  # shellcheck disable=SC2086
  "$oracle_cc" $flags -c build/oracle/unity.c -o build/oracle/unity.o
fi
# Word splitting is wanted: one compiler call for the candidate side too.
# shellcheck disable=SC2086
if [ -n "$candidate_units" ]; then (cd build/candidate && sh "$root/cc/candidate-cc" $flags -- $candidate_units); fi
# shellcheck disable=SC2046,SC2086
"$oracle_cc" $flags -o build/prog main.c $(find build -name '*.o' | sort)
