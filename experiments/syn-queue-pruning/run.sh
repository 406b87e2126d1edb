#!/bin/sh
# Reruns the kernel experiment: ./run.sh VARIANT SECONDS OUT.pcap   (VARIANT: drop-ack | drop-synack)
# Needs root, ip netns, nftables and tshark. Sends traffic only on the namespace's loopback.
set -eu
variant=${1:-drop-ack}; seconds=${2:-40}; out=${3:-$variant.pcap}
here=$(cd "$(dirname "$0")" && pwd)
ns=synq$$
ip netns add "$ns"
trap 'ip netns pids "$ns" | xargs -r kill 2>/dev/null || true; ip netns del "$ns"' EXIT
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_syncookies=0
case "$variant" in
  # The clients' pure ACKs to the server port (the third segment of each handshake) are dropped
  # on input, after the capture point: the clients believe they are connected, the server's
  # requests stay half-open and keep retransmitting SYN-ACKs.
  drop-ack) rule='tcp dport 8080 tcp flags & (fin|syn|rst|ack) == ack drop' ;;
  # The server's SYN-ACKs are dropped on input: the clients never see one and retransmit their SYNs.
  drop-synack) rule='tcp sport 8080 tcp flags & (syn|ack) == syn|ack drop' ;;
  *) echo "unknown variant $variant" >&2; exit 2 ;;
esac
ip netns exec "$ns" nft add table inet synq
ip netns exec "$ns" nft add chain inet synq in '{ type filter hook input priority 0; }'
ip netns exec "$ns" nft add rule inet synq in $rule
ip netns exec "$ns" sh -c "cat /proc/sys/net/ipv4/tcp_syncookies /proc/sys/net/ipv4/tcp_synack_retries /proc/sys/net/ipv4/tcp_syn_retries /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/tcp_max_syn_backlog" | tr '\n' ' '; echo '(syncookies synack_retries syn_retries somaxconn max_syn_backlog)'
rm -f "$out"
ip netns exec "$ns" tshark -q -i lo -f 'tcp port 8080' -w "$out" -a duration:$((seconds + 3)) 2>/dev/null &
# Start the flood only once the capture runs (dumpcap writes the file header then): a busy machine
# once needed more than 2 s and the first SYNs were missing from the file.
while [ ! -s "$out" ]; do sleep 0.1; done
sleep 0.5
ip netns exec "$ns" python3 "$here/flood.py" "$seconds"
wait
ip netns exec "$ns" nft list ruleset
# The namespace's SNMP counters (per network namespace): SYNs dropped on a full SYN queue
# (TCPReqQFullDrop, ListenDrops) and SYN-ACK retransmissions (TCPSynRetrans counts SYN and SYN-ACK).
ip netns exec "$ns" nstat -az TcpExtTCPReqQFullDrop TcpExtListenDrops TcpExtListenOverflows TcpExtTCPSynRetrans TcpRetransSegs TcpActiveOpens TcpPassiveOpens TcpExtTCPTimeouts
