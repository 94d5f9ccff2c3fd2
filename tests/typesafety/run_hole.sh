#!/bin/sh
# run_hole.sh COMPILER FILE FLAGS...
#
# FILE (holes/*.c) is a misuse C cannot reject; it must compile, with
# COMPILER's default warning settings (FLAGS carry only include paths), with
# the default language standard and with -std=c11, to an object (thrown
# away) as run_compile_fail.sh compiles.  If it stops compiling, the hole is
# closed: move the program into the suite with an "// expect:" line and a
# twin, and take it out of the README's list of what C cannot catch.
set -u
cc=$1 file=$2
shift 2
status=0
for std in "" "-std=c11"; do
    if out=$(LC_ALL=C "$cc" $std -c -o /dev/null "$@" "$file" 2>&1); then
        echo "ok [$(basename "$cc") ${std:-(default std)}]: $file compiles (a known hole)"
    else
        echo "FAIL [$(basename "$cc") ${std:-(default std)}]: $file no longer compiles: the hole is closed"
        printf '%s\n' "$out"
        status=1
    fi
done
exit $status
