sh_test() { return 42; }
sh_test; echo $?
(exit 300); echo $?
exit 3
