#!/bin/sh
# run_compile_fail.sh COMPILER FILE FLAGS...
#
# FILE makes one mistake with generated code and must not compile.  It is
# compiled twice with COMPILER's default warning settings (FLAGS carry only
# include paths; never -Werror): with the default language standard and with
# -std=c11.  Each run must exit nonzero, print "error:", and print text
# matching the extended regex of every "// expect: REGEX" line at the top of
# FILE, so the program fails for its mistake and not for some other reason.
# It is compiled to an object (thrown away), not with -fsyntax-only: gcc
# reports a function that can end without returning ("control reaches end
# of non-void function") only when it generates code.
set -u
cc=$1 file=$2
shift 2
expects=$(sed -n 's|^// expect: ||p' "$file")
if [ -z "$expects" ]; then
    echo "FAIL: $file has no '// expect: REGEX' line"
    exit 1
fi
status=0
for std in "" "-std=c11"; do
    out=$(LC_ALL=C "$cc" $std -c -o /dev/null "$@" "$file" 2>&1)
    rc=$?
    label="$(basename "$cc") ${std:-(default std)}"
    if [ $rc -eq 0 ]; then
        echo "FAIL [$label]: $file compiled, but its mistake must be an error"
        status=1
    elif ! printf '%s\n' "$out" | grep -q 'error:'; then
        echo "FAIL [$label]: no 'error:' in the diagnostics"
        status=1
    else
        bad=0
        while IFS= read -r expect; do
            if ! printf '%s\n' "$out" | grep -Eq -- "$expect"; then
                echo "FAIL [$label]: the diagnostics do not match /$expect/"
                bad=1
            else
                echo "ok [$label]: $(printf '%s\n' "$out" | grep -E -m 1 -- "$expect")"
            fi
        done <<LINES
$expects
LINES
        [ $bad -eq 0 ] && continue
        status=1
    fi
    printf '%s\n' "$out"
done
exit $status
