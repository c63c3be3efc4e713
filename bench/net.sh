# bench/net.sh - section (p) of `make bench`: the network, sourced by
# bench/run.sh (which provides B, L, TOP, UGCC, URUN, MEM, SMP, QEMU,
# qemu_base, VMLINUX, LINUX_APPEND, have, ratio, log and CMDLINES).
#
# Each guest gets a virtio-net device on a tap in a private namespace
# (tests/integration/netns.sh): 10.0.0.1/24 on the namespace's side,
# 10.0.0.2/24 in the guest. The clients run in the namespace and talk to
# 10.0.0.2 only. Peers in the same run, on the same QEMU, -M microvm, -m
# and -smp:
#   Unishyper  the image booted by unishyper-run --net tap=... (the files
#              on a read-only FAT disk: /www, /etc, /nginx.conf)
#   Linux      the microVM of bench/linuxvm, init bench/src/linux_netinit.c
#              (modules, eth0 10.0.0.2/24) running the program built with
#              musl-gcc -static, the files in its initramfs
# Programs: examples/httpd under wrk (1 KiB and 100 KiB files, keep-alive,
# 1 and 64 connections), bench/src/netstream.c for TCP stream throughput
# each way, and nginx and redis-server (redis-benchmark GET/SET, 50
# connections, pipeline 1 and 16) when their builds exist
# (build/ports/{nginx,redis}).
# Environment: BENCH_NET_SECS (seconds per wrk run and per stream
# direction, 5), BENCH_NET_REQUESTS (redis-benchmark requests per test,
# 20000).

NET_SECS="${BENCH_NET_SECS:-5}"
NET_REQUESTS="${BENCH_NET_REQUESTS:-20000}"
NET_GUESTS="uni linux"
NGINX_IMG="$TOP/build/ports/nginx/nginx.img" NGINX_NATIVE="$TOP/build/ports/nginx/native/nginx"
REDIS_IMG="$TOP/build/ports/redis/redis-server.img" REDIS_NATIVE="$TOP/build/ports/redis/native/redis-server"
declare -A NET_SKIP # program -> why it is not measured

# net_have GUEST: the guest can take part in this section
net_have() {
	case "$1" in
	uni) have uni ;;
	linux) have linux && [ -f "$B/linuxvm/rootfs-net/netinit" ] ;;
	esac
}

# static_elf FILE: a statically linked executable (it can run in the
# Linux guest's bare initramfs)
static_elf() { [ -x "$1" ] && ! readelf -lW "$1" 2>/dev/null | grep -q INTERP; }

net_build() {
	local root="$B/net/root" www="$B/net/www"
	rm -rf "$B/net"
	mkdir -p "$www" "$B/unishyper"
	head -c 1024 /dev/urandom >"$www/1k.bin"
	head -c 102400 /dev/urandom >"$www/100k.bin"
	echo "<p>unishyper bench</p>" >"$www/index.html"
	cat >"$B/net/nginx.conf" <<-'EOF'
		daemon off;
		master_process off;
		worker_processes 1;
		error_log stderr;
		events { worker_connections 1024; }
		http {
		    access_log off;
		    sendfile on;
		    keepalive_requests 1000000;
		    server { listen 80; root /www; }
		}
	EOF
	# nginx looks its user up (it runs as root in both guests)
	mkdir -p "$B/net/etc"
	echo "root:x:0:0:root:/:/bin/sh" >"$B/net/etc/passwd"
	echo "root:x:0:" >"$B/net/etc/group"
	if net_have uni; then
		"$UGCC" -O2 -o "$B/unishyper/httpd.img" "$TOP/examples/httpd/main.c"
		"$UGCC" -O2 -o "$B/unishyper/netstream.img" "$TOP/bench/src/netstream.c"
		# The files on a FAT disk (the Linux guest has them in its
		# initramfs): both serve from memory after the first read.
		rm -f "$B/net/disk.img"
		mkfs.fat -C "$B/net/disk.img" 16384 >/dev/null
		mmd -i "$B/net/disk.img" ::/etc
		mcopy -i "$B/net/disk.img" "$B/net/etc/passwd" "$B/net/etc/group" ::/etc/
		mcopy -i "$B/net/disk.img" "$B/net/nginx.conf" ::/
		mcopy -s -i "$B/net/disk.img" "$www" ::/www
	fi
	if net_have linux; then
		cp -a "$B/linuxvm/rootfs-net" "$root"
		cp -a "$www" "$root/www"
		cp "$B/net/nginx.conf" "$root/nginx.conf"
		mkdir -p "$root/etc" "$root/tmp"
		cp "$B/net/etc/passwd" "$B/net/etc/group" "$root/etc/"
		musl-gcc -static -O2 -Wall -o "$root/httpd" "$TOP/examples/httpd/main.c"
		musl-gcc -static -O2 -Wall -o "$root/netstream" "$TOP/bench/src/netstream.c"
		static_elf "$NGINX_NATIVE" && cp "$NGINX_NATIVE" "$root/nginx"
		static_elf "$REDIS_NATIVE" && cp "$REDIS_NATIVE" "$root/redis-server"
		(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) >"$B/net/initramfs-net.cpio"
	fi
}

# net_start GUEST PROGRAM ARG...: boots GUEST running PROGRAM on the tap
net_start() {
	local g="$1" prog="$2" img
	shift 2
	case "$g" in
	linux)
		qemu_base microvm "$MEM"
		CMD=("${BASE[@]}" -netdev "tap,id=n0,ifname=$NS_TAP,script=no,downscript=no,vhost=off"
			-device "virtio-net-device,netdev=n0,mac=52:54:00:12:34:50"
			-kernel "$VMLINUX" -initrd "$B/net/initramfs-net.cpio"
			-append "$LINUX_APPEND rdinit=/netinit -- /$prog $*")
		;;
	uni)
		img="$B/unishyper/$prog.img"
		[ "$prog" = nginx ] && img="$NGINX_IMG"
		[ "$prog" = redis-server ] && img="$REDIS_IMG"
		CMD=("$URUN" "$img" --mem "$MEM" --smp "$SMP" --accel tcg --net "tap=$NS_TAP"
			--disk "$B/net/disk.img:ro" -- "$@")
		;;
	esac
	CMDLINES["p-microvm-$g-$prog"]="$(qcmd "${CMD[@]}")"
	ns_guest "$L/net-$g-$prog.log" "${CMD[@]}"
}

# net_wrk GUEST PROG FILE CONNS: one wrk run; "rps p50_ms p99_ms" to the
# results
net_wrk() {
	local g="$1" p="$2" f="$3" c="$4" out="$L/net-$1-$2-wrk-$3-c$4.txt"
	ns wrk -t1 -c"$c" -d1s "http://10.0.0.2/$f" >/dev/null 2>&1 || : # warm-up
	ns timeout $((NET_SECS + 60)) wrk -t1 -c"$c" -d"${NET_SECS}s" --latency "http://10.0.0.2/$f" >"$out" 2>&1 || :
	awk -v key="$p-$f-c$c" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000; return v }
		/^ *50%/ { p50 = ms($2) } /^ *99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
		/Non-2xx|Socket errors/ { bad = 1 }
		END { if (rps == "" || bad) print key, "- - -"; else printf "%s %.0f %.3f %.3f\n", key, rps, p50, p99 }' \
		"$out" >>"$L/net-$g.txt"
}

# net_stream GUEST DIRECTION(R|W): Gbit/s over NET_SECS seconds
net_stream() {
	ns timeout $((NET_SECS + 30)) python3 - "$2" "$NET_SECS" <<-'EOF' 2>>"$L/net-$1-stream.log"
		import socket, sys, time
		mode, secs = sys.argv[1], float(sys.argv[2])
		s = socket.create_connection(("10.0.0.2", 5001), timeout=20)
		s.sendall(mode.encode())
		buf, n = bytes(1 << 20), 0
		t0 = time.time()
		while time.time() - t0 < secs:
		    n += s.send(buf) if mode == "R" else len(s.recv(1 << 20))
		dt = time.time() - t0
		s.close()
		print("%.3f" % (n * 8 / dt / 1e9))
	EOF
}

# net_redis GUEST PIPELINE: GET and SET requests/s and p50/p99 (ms)
net_redis() {
	local out="$L/net-$1-redis-P$2.csv"
	ns timeout 300 redis-benchmark -h 10.0.0.2 -p 6379 -c 50 -n "$NET_REQUESTS" -P "$2" -t get,set --csv \
		>"$out" 2>&1 || :
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
	tr -d '"' <"$out" | awk -F, -v p="$2" '$1 == "SET" || $1 == "GET" {
		printf "redis-%s-P%s %.0f %s %s\n", $1, p, $2, $5, $7 }' >>"$L/net-$1.txt"
}

net_run_guest() {
	local g="$1" f c p
	log "(p) network: $g"
	ns_setup || { log "(p): cannot create a network namespace"; return 0; }
	for p in httpd nginx; do
		[ -z "${NET_SKIP[$p]:-}" ] || continue
		if [ $p = httpd ]; then
			net_start "$g" httpd -p 80 /www
		else
			net_start "$g" nginx -p / -c /nginx.conf
		fi
		if ns_wait_tcp 10.0.0.2 80 240; then
			for f in 1k.bin 100k.bin; do
				for c in 1 64; do net_wrk "$g" $p $f $c; done
			done
		else
			log "(p): $p on $g did not answer, see $L/net-$g-$p.log"
		fi
		ns_guest_stop
	done
	net_start "$g" netstream
	if ns_wait_tcp 10.0.0.2 5001 240; then
		echo "stream-in $(net_stream "$g" R)" >>"$L/net-$g.txt"
		echo "stream-out $(net_stream "$g" W)" >>"$L/net-$g.txt"
	else
		log "(p): netstream on $g did not answer, see $L/net-$g-netstream.log"
	fi
	ns_guest_stop
	if [ -z "${NET_SKIP[redis]:-}" ]; then
		net_start "$g" redis-server --port 6379 --protected-mode no --save "" --appendonly no
		if ns_wait_tcp 10.0.0.2 6379 240; then
			net_redis "$g" 1
			net_redis "$g" 16
		else
			log "(p): redis-server on $g did not answer, see $L/net-$g-redis-server.log"
		fi
		ns_guest_stop
	fi
	ns_cleanup
}

net_run() {
	local g
	log "(p) network"
	rm -f "$L"/net-*.txt
	NET_WHY=
	if [ "$(id -u)" != 0 ]; then
		NET_WHY="not run: network namespaces need root"
	elif ! command -v wrk >/dev/null || ! command -v python3 >/dev/null; then
		NET_WHY="not run: wrk or python3 is missing (toolchain/deps.sh --bench)"
	fi
	[ -z "$NET_WHY" ] || { log "(p) $NET_WHY"; return 0; }
	. "$TOP/tests/integration/netns.sh"
	[ -f "$NGINX_IMG" ] && static_elf "$NGINX_NATIVE" ||
		NET_SKIP[nginx]="no build in build/ports/nginx (nginx.img and a static native/nginx)"
	{ [ -f "$REDIS_IMG" ] && static_elf "$REDIS_NATIVE"; } ||
		NET_SKIP[redis]="no build in build/ports/redis (redis-server.img and a static native/redis-server)"
	command -v redis-benchmark >/dev/null || NET_SKIP[redis]="redis-benchmark is missing (redis-tools)"
	net_build >"$L/net-build.log" 2>&1 || { NET_WHY="build failed, see $L/net-build.log"; return 0; }
	for g in $NET_GUESTS; do
		net_have "$g" && net_run_guest "$g"
	done

}

# net_fig GUEST KEY FIELD: a figure of the results (1: rps or Gbit/s,
# 2: p50 ms, 3: p99 ms)
net_fig() {
	awk -v k="$2" -v f="$3" '$1 == k { v = $(f + 1) } END { print (v == "" ? "-" : v) }' \
		"$L/net-$1.txt" 2>/dev/null || echo -
}

net_report() {
	local p f c key u l why
	echo "## (p) Network"
	echo
	echo "bench/net.sh: each guest on \`-M microvm -smp $SMP -m ${MEM}M\` with a virtio-net device on a tap"
	echo "in a private network namespace (10.0.0.2/24 in the guest); the clients run in the namespace."
	echo "Unishyper: \`unishyper-run --net tap=...\`, the files on a read-only FAT disk; Linux: the microVM"
	echo "with bench/src/linux_netinit.c as init and the program built with musl-gcc -static, the files in"
	echo "its initramfs.  wrk -t1 for ${NET_SECS} s after a 1 s warm-up, keep-alive; p50 and p99 latency"
	echo "in ms.  Stream: bench/src/netstream.c against a python3 client, ${NET_SECS} s each way."
	echo "redis-benchmark: 50 connections, $NET_REQUESTS requests per test."
	echo
	[ -z "${NET_WHY:-}" ] || { echo "- $NET_WHY"; echo; return 0; }
	net_have uni || echo "- Unishyper: not run: $UNI_WHY."
	net_have linux || echo "- Linux microVM: not run: $LNX_WHY (or no rootfs-net from bench/linuxvm/build.sh)."
	for p in nginx redis; do
		[ -z "${NET_SKIP[$p]:-}" ] || echo "- $p: not measured: ${NET_SKIP[$p]}."
	done
	echo
	echo "| figure | Unishyper | Linux microVM | Unishyper ÷ Linux |"
	echo "|---|---:|---:|---:|"
	for p in httpd nginx; do
		[ -z "${NET_SKIP[$p]:-}" ] || continue
		for f in 1k.bin 100k.bin; do
			for c in 1 64; do
				key="$p-$f-c$c"
				u=$(net_fig uni "$key" 1) l=$(net_fig linux "$key" 1)
				echo "| $p $f, $c conn. (requests/s) | **$u** | **$l** | $(ratio "$u" "$l" 2) |"
				u=$(net_fig uni "$key" 2) l=$(net_fig linux "$key" 2)
				echo "| $p $f, $c conn., p50 (ms) | $u | $l | $(ratio "$u" "$l" 2) |"
				u=$(net_fig uni "$key" 3) l=$(net_fig linux "$key" 3)
				echo "| $p $f, $c conn., p99 (ms) | $u | $l | $(ratio "$u" "$l" 2) |"
			done
		done
	done
	for key in stream-in stream-out; do
		u=$(net_fig uni $key 1) l=$(net_fig linux $key 1)
		echo "| TCP stream $([ $key = stream-in ] && echo "into the guest" || echo "out of the guest") (Gbit/s) | **$u** | **$l** | $(ratio "$u" "$l" 2) |"
	done
	if [ -z "${NET_SKIP[redis]:-}" ]; then
		for key in redis-SET-P1 redis-GET-P1 redis-SET-P16 redis-GET-P16; do
			u=$(net_fig uni $key 1) l=$(net_fig linux $key 1)
			echo "| ${key//-/ } (requests/s) | **$u** | **$l** | $(ratio "$u" "$l" 2) |"
			u=$(net_fig uni $key 3) l=$(net_fig linux $key 3)
			echo "| ${key//-/ }, p99 (ms) | $u | $l | $(ratio "$u" "$l" 2) |"
		done
	fi
	echo
	echo "Requests of a few KiB and redis's small commands go through Unishyper's stack with no"
	echo "system-call or context-switch cost. Both guests hand QEMU and take from it TCP frames of up"
	echo "to 64 KiB (segmentation offload). The stream out of Unishyper stays below Linux's: lwIP"
	echo "keeps the data it sends in segments of one MSS (1460 bytes), each allocated, filled,"
	echo "acknowledged and freed on its own, where Linux handles 64 KiB at a time."
	echo
}
