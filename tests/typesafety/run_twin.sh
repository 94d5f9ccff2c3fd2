#!/bin/sh
# run_twin.sh COMPILER FILE OUT ARGS...
#
# Builds FILE's correct twin (-DTWIN) with -Wall -Wextra -Werror, once with
# the default language standard and once with -std=c11, as
# `COMPILER -DTWIN -Wall -Wextra -Werror [-std=c11] FILE -o OUT ARGS...`
# (ARGS: include paths, then the libraries to link), and runs it: every step
# must succeed.  Used for compilers other than the build's own, whose twins
# are ordinary CMake targets.
#
# With TWIN_COMPILE_ONLY=1 (sanitizer builds: a library instrumented by one
# compiler's sanitizer runtime cannot be linked by the other) the twin is
# compiled, with the same flags, but not linked or run; the build
# compiler's own twins still run.
set -u
cc=$1 file=$2 out=$3
shift 3
includes=
for arg in "$@"; do
    case $arg in -I*) includes="$includes $arg" ;; esac
done
for std in "" "-std=c11"; do
    if [ "${TWIN_COMPILE_ONLY:-0}" = 1 ]; then
        # shellcheck disable=SC2086 # $includes is a list of -I flags
        LC_ALL=C "$cc" $std -DTWIN -Wall -Wextra -Werror -c "$file" -o "$out.o" $includes || {
            echo "FAIL: the twin of $file does not compile with $cc ${std:-(default std)}"
            exit 1
        }
        continue
    fi
    LC_ALL=C "$cc" $std -DTWIN -Wall -Wextra -Werror "$file" -o "$out" "$@" || {
        echo "FAIL: the twin of $file does not build with $cc ${std:-(default std)}"
        exit 1
    }
    "$out" || { echo "FAIL: the twin of $file exited with $?"; exit 1; }
done
if [ "${TWIN_COMPILE_ONLY:-0}" = 1 ]; then
    echo "ok: the twin of $file compiles (not linked: sanitizer build)"
else
    echo "ok: the twin of $file builds and runs"
fi
