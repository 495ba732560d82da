#!/bin/sh
# an rc-like script
PATH=/bin:/usr/bin
export PATH
hostname_file=/nonexistent/hostname
if [ -r "$hostname_file" ]; then
	read -r host < "$hostname_file"
else
	host=basalt
fi
echo "host: $host"
for svc in one two three; do
	case "$svc" in
	one|three) echo "starting $svc" ;;
	*) echo "skipping $svc" ;;
	esac
done
log() { printf '%s: %s\n' "${0##*/}" "$*"; }
log "boot done" >&2
[ -x /etc/rc.local.nonexistent ] && . /etc/rc.local.nonexistent
count=0
while read -r line; do
	count=$((count + 1))
done <<EOF
$(printf 'a\nb\nc\n')
EOF
echo "lines: $count"
set -- $(echo x y z)
echo "args: $# last: ${3}"
exit 0
