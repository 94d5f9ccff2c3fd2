#!/bin/sh
# run_compile_fail.sh COMPILER FILE FLAGS...
#
# FILE makes one mistake with generated code and must not compile.  It is
# compiled twice with COMPILER's default warning settings (FLAGS carry only
# include paths; never -Werror): with the default language standard and with
# -std=c11.  Each run must exit nonzero, print "error:", and print text
# matching the extended regex on FILE's "// expect: REGEX" line, so the
# program fails for its mistake and not for some other reason.
set -u
cc=$1 file=$2
shift 2
expect=$(sed -n 's|^// expect: ||p' "$file" | head -n 1)
if [ -z "$expect" ]; then
    echo "FAIL: $file has no '// expect: REGEX' line"
    exit 1
fi
status=0
for std in "" "-std=c11"; do
    out=$(LC_ALL=C "$cc" $std -fsyntax-only "$@" "$file" 2>&1)
    rc=$?
    label="$(basename "$cc") ${std:-(default std)}"
    if [ $rc -eq 0 ]; then
        echo "FAIL [$label]: $file compiled, but its mistake must be an error"
        status=1
    elif ! printf '%s\n' "$out" | grep -q 'error:'; then
        echo "FAIL [$label]: no 'error:' in the diagnostics"
        status=1
    elif ! printf '%s\n' "$out" | grep -Eq -- "$expect"; then
        echo "FAIL [$label]: the diagnostics do not match /$expect/"
        status=1
    else
        echo "ok [$label]: $(printf '%s\n' "$out" | grep -E -m 1 -- "$expect")"
        continue
    fi
    printf '%s\n' "$out"
done
exit $status
