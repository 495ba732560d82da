while getopts ab:c opt -a -b arg -c -x rest 2>/dev/null; do
  echo "opt=$opt OPTARG=${OPTARG-unset} OPTIND=$OPTIND"
done
OPTIND=1
while getopts :ab: opt -ab value -b; do
  echo "silent opt=$opt OPTARG=${OPTARG-unset}"
done
OPTIND=1
set -- -xy file
while getopts xy opt; do echo "pos $opt"; done
shift $((OPTIND-1)); echo "rest $*"
echo "a b c" | { read x y; echo "[$x] [$y]"; }
echo "  lead  trail  " | { read x; echo "[$x]"; }
printf 'back\\slash\n' | { read x; echo "$x"; }
printf 'back\\slash\n' | { read -r x; echo "$x"; }
printf 'no newline' | { read x; echo "$? [$x]"; }
printf 'cont\\\nline\n' | { read x; echo "$x"; }
printf 'one\ntwo\n' | { read a; read b; echo "$b $a"; }
set -- a b c
(shift 5) 2>/dev/null
echo still here $?
trap 'echo trapped EXIT' EXIT
trap 'echo got USR1' USR1
kill -USR1 $$
trap - USR1
trap
times >/dev/null && echo times ok
hash -r; echo hash $?
ulimit -n >/dev/null && echo ulimit ok
kill -l 9
kill -l 143
