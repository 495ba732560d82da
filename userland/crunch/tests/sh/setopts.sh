set -e
true
false || echo "or saves"
if false; then :; fi
! false
f() { false; echo "not reached in f"; }
f || echo "f failed but ignored"
(set -e; false; echo never) || echo "subshell exited $?"
set +e
set -u
(echo $undefined_var) 2>/dev/null || echo "nounset $?"
echo ${undefined_var-default ok}
set +u
set -x
echo traced 2>/dev/null
set +x
set -f
echo /*
set +f
echo $- | grep -q f || echo noglob off
set -- a b
set -o | grep -q errexit && echo set-o lists
set -e
echo before
false
echo never printed
