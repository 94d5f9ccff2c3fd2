#!/bin/sh
# run_twin.sh COMPILER FILE OUT ARGS...
#
# Builds FILE's correct twin (-DTWIN) with -Wall -Wextra -Werror, once with
# the default language standard and once with -std=c11, as
# `COMPILER -DTWIN -Wall -Wextra -Werror [-std=c11] FILE -o OUT ARGS...`
# (ARGS: include paths, then the libraries to link), and runs it: every step
# must succeed.  Used for compilers other than the build's own, whose twins
# are ordinary CMake targets.
set -u
cc=$1 file=$2 out=$3
shift 3
for std in "" "-std=c11"; do
    LC_ALL=C "$cc" $std -DTWIN -Wall -Wextra -Werror "$file" -o "$out" "$@" || {
        echo "FAIL: the twin of $file does not build with $cc ${std:-(default std)}"
        exit 1
    }
    "$out" || { echo "FAIL: the twin of $file exited with $?"; exit 1; }
done
echo "ok: the twin of $file builds and runs"
