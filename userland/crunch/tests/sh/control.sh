if false; then echo no; elif true; then echo elif; else echo else; fi
if false; then echo no; else echo else; fi
i=0
while [ $i -lt 3 ]; do echo while $i; i=$((i+1)); done
until [ $i -eq 0 ]; do echo until $i; i=$((i-1)); done
for x in 1 2 3 4 5; do
  [ $x -eq 2 ] && continue
  [ $x -eq 4 ] && break
  echo for $x
done
for a in 1 2; do for b in x y z; do
  [ $b = y ] && continue 2
  echo $a$b
done; done
for a in 1 2; do for b in x y; do
  [ $a = 2 ] && break 2
  echo $a$b
done; done
echo after
for x; do echo never; done
set -- p q
for x; do echo pos $x; done
! true; echo $?
! false; echo $?
true && echo and1; false && echo and2; false || echo or1; true || echo or2
false || false || echo chain
{ echo group; echo two; }
(echo sub; exit 3); echo status $?
x=outer; (x=inner; echo $x); echo $x
if (exit 4); then :; else echo "if status $?"; fi
while false; do :; done; echo loop status $?
