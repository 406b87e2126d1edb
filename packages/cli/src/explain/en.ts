/**
 * English narration catalogue: key → template with named {placeholders}. Every text that
 * `--explain` and `synack why` print lives here (and, translated, in zh.ts with the same keys
 * and the same placeholders — test/explain-catalogue.test.ts checks it). Numbers, states and
 * sides are filled in from the trace by narrate.ts; nothing here is about one particular run.
 */
export const en = {
  // Sides and words used inside other texts.
  'side.client': 'client',
  'side.server': 'server',
  'side.attacker': 'attacker',
  'what.SYN': 'SYN',
  'what.SYN-ACK': 'SYN-ACK',
  'what.FIN': 'FIN',
  'what.data': 'data',
  'what.probe': 'zero-window probe',
  'what.ACK': 'ACK',
  'what.RST': 'RST',
  'unit.ms': '{n} ms',
  'unit.s': '{n} s',
  'list.sep': ', ',

  // Three-way handshake.
  'hs.1':
    '1st handshake: {side} sends a SYN carrying its initial sequence number (seq = {seq}); {side} enters {state}',
  'hs.1.retx': '1st handshake, again: {side} retransmits its SYN with the same seq = {seq} (attempt {n})',
  'hs.2':
    "2nd handshake: {side} acknowledges {peer}'s SYN (ack = {ack}) and sends its own SYN (seq = {seq}); {side} enters {state}",
  'hs.2.retx':
    '2nd handshake, again: {side} retransmits its SYN-ACK (seq = {seq}, ack = {ack}) (attempt {n})',
  'hs.2.stale':
    '2nd handshake for the stale SYN: {side} acknowledges it (ack = {ack}) and sends its own SYN (seq = {seq}); {side} enters {state} — it cannot tell that this SYN is old',
  'hs.2.twoWay':
    "2nd and last handshake — NOT TCP (two-way handshake model): {side} acknowledges {peer}'s SYN (ack = {ack}), sends its SYN (seq = {seq}) and enters ESTABLISHED at once, without waiting for a third segment",
  'hs.2.cookie':
    '2nd handshake with a SYN cookie: {side} answers without keeping any state — its initial sequence number is a cookie that encodes the connection (seq = {seq}), ack = {ack}',
  'hs.3':
    "3rd handshake: {side} acknowledges {peer}'s SYN (ack = {ack}, seq = {seq}); {side} is {state}, {peer} will be ESTABLISHED when this ACK arrives",
  'hs.3.data':
    "3rd handshake: {side} acknowledges {peer}'s SYN (ack = {ack}) and already carries {len} bytes of data (seq = {seq}); {side} is {state}. Its application wrote before the connection was open, so {side} sent no bare ACK first: the data carries the acknowledgment (RFC 9293 §3.10.7.3 allows it; Linux holds the ACK while a write is waiting, tcp_rcv_synsent_state_process). Why the SYN itself carried no data: `synack why syn-data`",
  'hs.queue':
    "{side}'s half-open queue (SYN queue) now holds {n}/{backlog} entries: this connection waits there in SYN_RECEIVED until the third segment arrives",
  'hs.queueDone':
    "the connection leaves {side}'s half-open queue ({n}/{backlog} now) for the accept queue, where it waits until the application accepts it",
  'hs.done':
    '{side} receives the ACK of its SYN (ack = {ack}): the three-way handshake is complete, both sides are ESTABLISHED',
  'hs.cookieOk':
    '{side} gets back its SYN cookie in the ACK (ack = {ack}): it checks out, so {side} rebuilds the connection from it and enters ESTABLISHED — it never kept a half-open entry',
  'simopen.syn':
    "{side} sends its own SYN (seq = {seq}) before {peer}'s has arrived: a simultaneous open; {side} enters {state}",
  'simopen.synack':
    "simultaneous open: {side} received {peer}'s SYN while in SYN_SENT; it answers SYN,ACK (seq = {seq}, ack = {ack}) and enters {state}",
  'simopen.done':
    "{side} receives {peer}'s SYN,ACK acknowledging its SYN (ack = {ack}): ESTABLISHED — a simultaneous open takes four segments",
  'syn.raw':
    '{side} puts a hand-made SYN on the wire (seq = {seq}): a stale duplicate of an earlier connection, still wandering the network',
  'raw.segment': '{side} puts a hand-made {flags} segment on the wire (seq = {seq})',

  // Data and acknowledgments.
  'data.send': '{side} sends {len} bytes (seq = {seq}): bytes {first}–{last} of its stream',
  'data.halfClose':
    '{side} sends {len} bytes from CLOSE_WAIT (seq = {seq}): {peer} has finished sending, but {side} still may — a half-close',
  'data.retx': '{side} retransmits {len} bytes (seq = {seq})',
  'data.retx.fast':
    '{side} retransmits {len} bytes (seq = {seq}) at once, without waiting for its timer: duplicate ACKs or SACK blocks show this segment was lost while later ones arrived — a fast retransmit (RFC 5681 §3.2, RFC 6675)',
  'ack.keepalive':
    '{side} has heard nothing from {peer} for a long time and sends a keepalive probe: an empty ACK one below its next sequence number (seq = {seq}), which a live peer must answer with an ACK; unanswered probes end with a RST and a timeout (RFC 1122 §4.2.3.6)',
  'ack.keepaliveAgain':
    '{side} still has no answer: keepalive probe {n}, {gap} after the previous one — the same empty ACK (seq = {seq})',
  'data.retx.tlp':
    '{side} sends {len} bytes (seq = {seq}) again as a tail loss probe: nothing was acknowledged for about two round trips, so it probes rather than wait for the RTO; the answer shows whether the tail was lost (RFC 8985 §7)',

  // Congestion control (cc lines: Linux tcp_ca_state).
  'cc.disorder':
    '{side} sees duplicate ACKs or SACK blocks (state Disorder): some segment may be lost, or only reordered — it keeps sending but watches',
  'cc.recovery':
    '{side} enters fast recovery: it cuts its congestion window to cwnd = {cwnd} segments (ssthresh = {ssthresh}) instead of starting over from one segment, and keeps the ACK clock going while it repairs the hole (RFC 6582, RFC 6675)',
  'cc.loss':
    "{side}'s retransmission timer expired (state Loss): cwnd = {cwnd} segment, ssthresh = {ssthresh} — it starts again with slow start (RFC 5681 §3.1)",
  'cc.cwr': '{side} reduces its congestion window to cwnd = {cwnd} segments (state CWR)',
  'cc.open':
    '{side} leaves {from}: everything outstanding when the loss was found is acknowledged; it continues with cwnd = {cwnd}, ssthresh = {ssthresh}',
  'ack.data': "{side} acknowledges {peer}'s data: ack = {ack} ({bytes} bytes received so far)",
  'ack.dup':
    '{side} repeats ack = {ack}: the segment it just got (seq = {inSeq}) is not the next byte it expects — a duplicate ACK',
  'ack.challenge':
    '{side} is {state} and did not expect a SYN: it answers with an ACK of what it really expects (ack = {ack}) — a challenge ACK',
  'ack.unsent':
    '{side} was acknowledged up to {inAck}, beyond anything it has sent (its next seq is {seq}): it ignores that and answers with an ACK (ack = {ack})',
  'ack.plain': '{side} sends an ACK (seq = {seq}, ack = {ack})',
  'deliver.old':
    'a segment of the previous connection on this 4-tuple arrives only now (sent at {sent}, seq = {seq}, {len} bytes)',
  'deliver.oldAccepted':
    "a segment of the previous connection on this 4-tuple arrives only now (sent at {sent}, seq = {seq}, {len} bytes) and fits the new connection's window: {side} accepts {len} bytes that the new {peer} never sent",

  // Teardown.
  'close.1':
    '1st wave: {side} has no more data to send and closes its direction: FIN (seq = {seq}, ack = {ack}); {side} enters {state}',
  'close.1.data':
    '1st wave: {side} sends its last {len} bytes together with a FIN (seq = {seq}, ack = {ack}); {side} enters {state}',
  'close.recvFin':
    "{side} receives {peer}'s FIN: {peer} will send no more data; {side} enters CLOSE_WAIT and its application reads end-of-file",
  'close.2':
    "2nd wave: {side} acknowledges {peer}'s FIN (ack = {ack}, seq = {seq}); {side} stays in CLOSE_WAIT and may still send data",
  'close.fw2':
    "{side}'s FIN is acknowledged: {side} enters FIN_WAIT_2 and waits for {peer}'s FIN (it can still receive data)",
  'close.3':
    '3rd wave: {side} closes its direction too: FIN (seq = {seq}, ack = {ack}); {side} enters {state}',
  'close.23':
    "2nd and 3rd wave in one: {side}'s ACK and FIN travel in one segment (ack = {ack}, seq = {seq}): a three-way close; {side} enters {state}",
  'close.4':
    "4th wave: {side} acknowledges {peer}'s FIN (ack = {ack}, seq = {seq}); {peer} deletes the connection when it arrives",
  'close.tw':
    '{side} enters TIME_WAIT: it stays there 2MSL = {wait}, to repeat its last ACK if that is lost and to let old segments of this connection die out',
  'close.twOpen': '{side} enters TIME_WAIT: it stays there 2MSL before the connection is deleted',
  'close.twNone':
    '{side} enters TIME_WAIT but leaves it at once (this run sets TIME_WAIT to {wait}): nobody is left to repeat the last ACK',
  'close.twEnd':
    '{wait} after entering TIME_WAIT (the 2MSL timer starts there, RFC 9293 §3.10.7.4, and restarts on a repeated FIN), {side} leaves it: the connection is deleted, the 4-tuple may be reused',
  'close.twEndNone': '{side} deletes the connection right away: the port forgets it ever existed',
  'close.reack':
    "{side} is in TIME_WAIT and receives {peer}'s FIN again: it repeats the ACK (ack = {ack}) and restarts the 2MSL timer",
  'close.lastAck':
    '{side} receives the ACK of its FIN (ack = {ack}): it deletes the connection at once — no TIME_WAIT for the side that closes last',
  'close.sim':
    "{side} closes at the same time: its FIN (seq = {seq}, ack = {ack}) crosses {peer}'s FIN in the network — a simultaneous close; {side} enters {state}",
  'close.simAck':
    "{side} receives {peer}'s FIN while its own is not yet acknowledged: it ACKs it (ack = {ack}) and enters {state}; both now wait for the ACK of their FIN",
  'fin.retx': '{side} retransmits its FIN (seq = {seq}, ack = {ack}): no ACK of it arrived in time',
  'close.connectTimeout': '{side} gives up after {n} SYNs without an answer: connect() fails with a timeout',
  'close.timeout': '{side} gives up after {n} retransmissions: the connection is closed with a timeout',
  'close.keepalive':
    "{side} closes the connection after {n} unanswered keepalive probes: its application's next call on the socket fails with ETIMEDOUT (connection timed out). Without keepalive, a peer that vanished silently would have left it ESTABLISHED for ever — the half-open connection",

  // Resets.
  'rst.abort':
    '{side} aborts the connection: RST (seq = {seq}); no FIN exchange and no TIME_WAIT, data still in flight is thrown away',
  'rst.abortApp':
    "{side}'s application aborts the connection: RST (seq = {seq}) instead of a FIN exchange, no TIME_WAIT, and data still queued or in flight is thrown away (RFC 9293 §3.10.5 ABORT). The sockets API has no abort(): an application sets SO_LINGER on with a 0 s timeout and calls close(), and Linux resets the connection (tcp_close → tcp_disconnect → tcp_send_active_reset); a close() with received data left unread does the same (RFC 2525 §2.17)",
  // Which flags an abort's RST carries differs by profile (issue 21 item 4): said beside the RST.
  'rst.abortWithAck':
    "the RST carries ACK too (ack = {ack}): Linux's tcp_send_active_reset builds every active reset as RST|ACK, while RFC 9293 §3.10.5 (ABORT call) sends <SEQ=SND.NXT><CTL=RST>, a bare RST without ACK — what the rfc9293 profile sends",
  'rst.abortBare':
    'a bare RST without the ACK bit, as RFC 9293 §3.10.5 (ABORT call) specifies: <SEQ=SND.NXT><CTL=RST>. Linux sets ACK as well (tcp_send_active_reset sends RST|ACK with ack = RCV.NXT) — what the linux profile sends',
  'rst.keepalive':
    '{side} has sent {n} keepalive probes without an answer and takes {peer} for gone: it resets the connection with RST (seq = {seq}), as Linux does (tcp_keepalive_timer → tcp_send_active_reset)',
  'rst.stale':
    '{side} expected ack = {expected} but got a segment acknowledging {got}: it belongs to an older connection, so {side} rejects it with RST (seq = {seq})',
  'rst.noConn': '{side} has no connection for this {flags} segment: it answers with RST (seq = {seq})',
  'rst.noConnTw':
    '{side} has already left TIME_WAIT and has no connection for this {flags} any more: it answers with RST (seq = {seq})',
  'rst.other': '{side} sends RST (seq = {seq})',
  'rst.recv':
    '{side} accepts the RST: the connection goes from {from} straight to CLOSED, and its application gets "connection reset"',
  'rst.recvQuiet':
    '{side} accepts the RST: the connection goes from {from} straight to CLOSED (closed by a reset)',
  'rst.recvHalfOpen': '{side} drops the half-open connection on the RST: no application ever saw it',
  'rst.refused': '{side} receives RST for its SYN: connection refused',

  // Timers and losses.
  'timer.lost':
    'the {what} was lost; after RTO = {rto} {side} retransmits it (retransmission #{n}, next RTO {next})',
  'timer.answerLost':
    "{side}'s {what} arrived, but the answer to it was lost; after RTO = {rto} {side} retransmits it (retransmission #{n}, next RTO {next})",
  'timer.rearmed':
    '{side} has just answered a segment of an older connection with RST; as Linux does (tcp_rcv_synsent_state_process: that RST may be ignored), it re-armed its SYN timer to the minimum, so {rto} later it retransmits its SYN (retransmission #{n}, next RTO {next})',
  'timer.noAck':
    '{side} got no acknowledgment of its {what} within RTO = {rto}: it retransmits it (retransmission #{n}, next RTO {next})',
  lost: '✕ lost in the network ({reason}): {peer} never receives this {what}',
  duplicate:
    'the network duplicates segment #{orig}: a second copy (seq = {seq}) arrives; the receiver already has it and at most re-ACKs',
  reordered:
    'this segment is held back in the network and overtaken by later ones (reordering): the receiver buffers what is out of order and sends duplicate ACKs until the gap is filled',
  'reordered.control':
    'this {what} is held back in the network and overtaken by later segments (reordering): it carries no data, so nothing waits for it — the receiver just processes it late',
  'drop.synQueue':
    "{side}'s SYN queue is full ({n} half-open connections): the SYN from {from} is dropped without an answer",
  'drop.acceptQueue':
    "{side}'s accept queue is full: the ACK that completes the handshake is dropped; {from} will retransmit",
  'cookie.linux':
    "the cookie as Linux builds it (linux profile, net/ipv4/syncookies.c): a keyed hash of the addresses and ports + the client's ISN + a minute counter in the top 8 bits + a second hash plus the MSS index (0–3: 536, 1300, 1440 or 1460 bytes) in the low 24 bits — it is accepted back for 2 minutes at most",
  'cookie.linuxTs':
    "the SYN carried timestamps, so this SYN-ACK's TSval keeps the rest in its low 6 bits — the client's window scale (4 bits), SACK permitted and ECN — and the ACK brings them back in its TSecr",
  'cookie.linuxNoTs':
    'the SYN carried no timestamps, so the cookie has nowhere to keep window scale or SACK permitted: this SYN-ACK offers neither, and a connection built from it goes without both',
  'cookie.rfc4987':
    "the cookie in RFC 4987's layout (rfc9293 profile): 5 bits of a 64-second time slot, 3 bits of MSS index, 24 bits of a keyed hash of the addresses, ports, slot, client ISN and MSS index — only the MSS survives; the SYN's window scale, SACK permitted and timestamps are lost",
  'cookie.restored':
    '{side} reads the options back from the TSecr the ACK echoes: window scaling and SACK are on as the SYN offered them, and the MSS is the table value the cookie kept',
  'cookie.noOptions':
    '{side} finds no timestamp on the ACK: the connection runs without window scaling and SACK, with the MSS the cookie kept',
  'drop.cookie': '{side} rejects an ACK whose SYN cookie does not check out ({reason})',
  'drop.other': '{side} discards an arriving {flags} segment ({reason})',

  // SYN floods.
  'flood.start':
    '{side} starts a SYN flood: {count} SYNs, one every {interval} ms, from spoofed addresses that never answer — each one holds a half-open entry until its SYN-ACK retries run out (the rest of the flood is narrated only once per kind)',
  'flood.startCookies':
    '{side} starts a SYN flood: {count} SYNs, one every {interval} ms, from spoofed addresses that never answer — while the SYN queue has room each one holds a half-open entry until its SYN-ACK retries run out; once the queue is full, the SYN-ACKs carry SYN cookies and take no entry (the rest of the flood is narrated only once per kind)',
  // Off-path ISN guessing (RFC 6528 §1), scenario isn-spoofing.
  'spoof.guess':
    "{side} reads the server's ISN clock off its own two connections: their ISNs (the second y = {observed}) advanced at {rate} per second; extrapolated to when a SYN sent now arrives, the server's next ISN should be {guess}. It impersonates {spoofed}, a trusted host that is down, and cannot see the server's answers: it is off the path (RFC 6528 §1)",
  'spoof.syn':
    '{side} sends a SYN forged with {spoofed} as its source (seq = {seq}): the server sends its SYN-ACK, and the ISN in it, to {spoofed}, never to the attacker',
  'spoof.hit':
    "{side} forges the third segment from {spoofed}, blind: ack = {ack} (its guess {guess} + 1) with {len} bytes. The server's ISN in the SYN-ACK the attacker never saw was {actual}: the guess is exact, the ACK acceptable (RFC 9293 §3.10.7.4: SND.UNA < SEG.ACK ≤ SND.NXT), so the server completes the handshake and hands the {len} forged bytes to its application as if {spoofed} had sent them",
  'spoof.miss':
    "{side} forges the third segment from {spoofed}, blind: ack = {ack} (its guess {guess} + 1) with {len} bytes. The server's ISN in the SYN-ACK the attacker never saw was {actual}, {off} away: RFC 6528 adds a keyed hash of the 4-tuple to the clock, so the attacker's own ISNs say nothing about this 4-tuple's. The ACK is not acceptable (RFC 9293 §3.10.7.4: SND.UNA < SEG.ACK ≤ SND.NXT fails): the server answers with RST and the data never reaches its application",
  'flood.syn': 'a spoofed SYN (seq = {seq}) from {side}',
  'flood.synack':
    '{side} answers the spoofed SYN with a SYN-ACK that goes nowhere ({reason}); the entry stays half-open in SYN_RECEIVED',
  'flood.cookie': '{side} answers a spoofed SYN with a SYN cookie (seq = {seq}) and keeps no state for it',
  'flood.timer':
    '{side} retransmits a SYN-ACK to a spoofed address (#{n}): half-open entries live for a long time',
  'flood.expire':
    'a half-open entry of {side} expires after its SYN-ACK retransmissions went unanswered: one slot of the SYN queue is free again',
  'flood.expireLife':
    'a half-open entry of {side} expires: it waited {waits} = {total} for answers to its SYN-ACK and its {retries} retransmission(s), each wait twice the last, and nobody answered; only now is its slot in the SYN queue free. An entry alone gets tcp_synack_retries = 5 retransmissions, 1 + 2 + 4 + 8 + 16 + 32 = 63 s; in a queue more than half full of entries never answered, Linux cuts that towards 2 (reqsk_timer_handler)',
  'app.restart':
    '{side} crashes and reboots: its connections vanish without sending anything; the other side still believes the connection is open (half-open)',

  // synack why.
  'why.usage': 'usage: synack why <question> [--lang en|zh] [--explain]',
  'why.list': 'Questions (each answered by running two contrasting scenarios):',
  'why.unknown': 'unknown question "{question}"; known: {known}',
  'why.runA': 'A. {title}',
  'why.runB': 'B. {title}',
  'why.differs': 'What differs (computed from the two runs):',
  'why.failed': 'run {which} failed: {error}',
  'why.hidden': '… {n} more flood event(s) not shown …',

  'why.two-way-handshake.q': 'Why does TCP need a third segment to open a connection?',
  'why.two-way-handshake.setup':
    'Setup: a SYN of an earlier incarnation of client:40000 → server:80 (seq = 90) reaches the server; the client itself is not connecting. The server application sends 1000 bytes on every connection it accepts.',
  'why.two-way-handshake.a': 'TCP: three-way handshake, and an old duplicate SYN arrives',
  'why.two-way-handshake.b':
    'NOT TCP — two-way handshake model (the server is ESTABLISHED once it sends its SYN-ACK), same old duplicate SYN',
  'why.two-way-handshake.ra':
    'A (TCP): the stale SYN only made a half-open entry ({states}); the client answered the SYN-ACK with RST and it was removed — the server application accepted {accepted} connection(s) and sent {bytes} bytes',
  'why.two-way-handshake.rb':
    'B (NOT TCP): the server went {states} on the stale SYN alone — its application accepted {accepted} connection(s) and sent {bytes} bytes to a client that never asked for them',
  'why.two-way-handshake.moral':
    "The third segment acknowledges the server's fresh ISN (ack = y+1): only a client that is really opening this connection now can send it. With two segments, any old duplicate SYN opens a connection.",

  'why.syn-data.q': 'Why does the first SYN carry no data (and what does TCP Fast Open change)?',
  'why.syn-data.setup':
    'Setup: in A the client application writes 100 bytes right after connect(); in B a SYN of an earlier incarnation of client:40000 → server:80 (seq = 90) carrying 100 bytes reaches the server, and the client is not connecting.',
  'why.syn-data.a': 'the data waits for the handshake and rides on its third segment (handshake-with-data)',
  'why.syn-data.b': 'an old duplicate SYN carrying 100 bytes',
  'why.syn-data.ra':
    'A: the first data left with the third segment at {sent}, one round trip after the SYN, once the server had proved with its SYN-ACK that it knows this connection; the server application received {rx} bytes',
  'why.syn-data.rb':
    "B: the server acknowledged only the SYN (ack = {ack}, the SYN's seq + 1: not one data byte) and its application received {rx} bytes; the client, which opened nothing, answered the SYN-ACK with {rsts} RST and the half-open entry was freed",
  'why.syn-data.moral':
    "A SYN proves nothing: it may be an old duplicate or come from a forged address. Data on it would reach the application before the third segment has shown that the sender really opened this connection now (see `synack why two-way-handshake`), so RFC 9293 §3.10.7.2 lets a listener only queue it until the handshake completes, and Linux drops it (the sender retransmits it after the handshake). TCP Fast Open (RFC 7413) earns one round trip back: the server first gives the client a cookie, a MAC of the client's IP address, in an ordinary handshake; a later SYN may carry data with that cookie, and the server delivers the data at once only when the cookie checks out — a stale or spoofed SYN without it is handled as here. TFO is not modelled by synack.",

  'why.four-way-close.q': 'Why does closing usually take four segments when opening takes three?',
  'why.four-way-close.setup':
    'Setup: the client sends 200 bytes and closes. In A the server then sends 3 × 4096 bytes before it closes; in B it closes as soon as it reads end-of-file.',
  'why.four-way-close.a': 'half-close: the server still has data to send after the client’s FIN',
  'why.four-way-close.b': 'the server closes as soon as it reads end-of-file',
  'why.four-way-close.ra':
    "A: the server ACKed the client's FIN {ackWhen}, then sent {bytes} bytes from CLOSE_WAIT ({segments} segments) and its own FIN {gap} later — the close took {count} segments",
  'why.four-way-close.rb':
    "B: the server had nothing more to send: its ACK of the client's FIN rode on its own FIN ({combined}) — the close took {count} segments, a three-way close",
  'why.four-way-close.moral':
    'A FIN only says "I have no more data": each direction is closed on its own. The ACK of the first FIN cannot wait for the second FIN while the other side may still send, so the close takes four segments — three when the ACK can ride on the FIN.',
  'why.ackWhen.now': 'at once',
  'why.ackWhen.delayed':
    '{delay} after it arrived (a delayed ACK: it waited for data to ride on, RFC 9293 §3.8.6.3)',
  'why.combined.yes': 'ACK and FIN combined',
  'why.combined.no': 'ACK and FIN separate',

  'why.time-wait.q': 'Why does the side that closes first wait in TIME_WAIT?',
  'why.time-wait.setup':
    'Setup: the client closes first; the network drops the ACK it sends from TIME_WAIT (the last segment of the close), so the server retransmits its FIN.',
  'why.time-wait.a': "with TIME_WAIT (2MSL), and the client's last ACK is lost",
  'why.time-wait.b': 'without TIME_WAIT (timeWait = 0), and the same last ACK is lost',
  'why.time-wait.ra':
    'A: the server\'s retransmitted FIN found the client still in TIME_WAIT (2MSL = {wait}); the client ACKed it again and the server closed with reason "{reason}" (ACKs sent from TIME_WAIT: {acks}; RST: {rsts})',
  'why.time-wait.rb':
    'B: the client had already deleted the connection; the retransmitted FIN was answered with RST and the server closed with reason "{reason}" (ACKs sent from TIME_WAIT: {acks}; RST: {rsts})',
  'why.time-wait.moral':
    'TIME_WAIT keeps the side that closes first able to repeat its last ACK, and keeps the 4-tuple out of use for 2MSL so that old segments die out before a new connection could receive them (see `synack why random-isn`).',

  'why.random-isn.q': 'Why are initial sequence numbers random (RFC 6528) instead of fixed?',
  'why.random-isn.setup':
    'Setup: the client connects from port 40000 and sends 100 bytes; the network holds that segment for 2 s (its retransmission gets through). The client closes, waits a short TIME_WAIT (200 ms here), connects again from the same port, sends nothing and aborts at 2.3 s.',
  'why.random-isn.a':
    'fixed ISNs (client 1000, server 5000): a data segment of the first connection is delayed in the network, the 4-tuple is reused',
  'why.random-isn.b': 'RFC 6528 ISNs, same delayed segment, same reuse of the 4-tuple',
  'why.random-isn.ra':
    'A: both connections start at x = {isn1} and x = {isn2}; the old segment (seq = {seq}, {len} bytes, sent at {sent}) arrived at {arrived} inside the new window and was accepted: the new server connection received {rx} bytes although the new client sent {tx} (integrity errors: {errors} — the stale bytes sit at the same offsets, only their origin is wrong); the two sides then disagreed about the sequence numbers and exchanged {acks} bare ACKs (an ACK storm) until the client aborted',
  'why.random-isn.rb':
    'B: the second connection starts at x = {isn2}, {distance} away from the first (x = {isn1}); the same old segment (seq = {seq}) fell outside the window and was discarded: received {rx} bytes, sent {tx}; {acks} bare ACK(s) followed',
  'why.random-isn.moral':
    "With a fixed ISN every incarnation of a 4-tuple numbers its bytes the same way, so a delayed segment of an old connection looks valid in the new one. ISNs that move with a clock and a secret hash of the 4-tuple (RFC 6528) put the new connection elsewhere in the sequence space, and the old segment is rejected. The clock differs by profile: RFC 793's ticks every 4 µs (250,000 per second, `--profile rfc9293`); Linux's every 64 ns (15,625,000 per second: secure_tcp_seq adds ktime_get_real_ns() >> 6 to a keyed siphash of the 4-tuple). In A, Linux also keeps the two confused sides from an endless ACK storm: an ACK of data never sent is dropped and answered at most once per 500 ms (tcp_invalid_ratelimit).",

  'why.syn-flood.q': 'How does a SYN flood deny service, and how do SYN cookies help?',
  'why.syn-flood.setup':
    'Setup: an attacker sends 400 spoofed SYNs, one every 50 ms, to a listener with backlog 8; at 1 s a real client connects (it gives up after 7 SYNs).',
  'why.syn-flood.a': 'SYN flood against a listener with backlog 8 and SYN cookies off',
  'why.syn-flood.b': 'the same flood with SYN cookies on (tcp_syncookies = 1)',
  'why.syn-flood.ra':
    "A: the SYN queue (peak {peak} half-open{peakNote}) stayed full of spoofed entries; {drops} SYNs were dropped, the client's {syns} SYN(s) among them, and its connect() {outcome}",
  'why.syn-flood.rb':
    'B: {cookies} SYN-ACKs carried a cookie instead of taking a queue entry; the client sent {syns} SYN(s) and its connect() {outcome}',
  'why.syn-flood.moral':
    "Each spoofed SYN holds a half-open entry for the whole SYN-ACK retry period, so a modest flood keeps the queue full and real clients are dropped. A SYN cookie encodes the connection in the ISN itself, so nothing is queued until the ACK brings the cookie back. On Linux that ISN is a keyed hash of the 4-tuple + the client's ISN + a minute counter + an MSS index, and window scale and SACK ride in the timestamp (`synack run syn-cookies --explain` goes through it; `--profile rfc9293` shows RFC 4987's layout, which keeps only the MSS).",
  'why.isn-guessing.q':
    'Why must an initial sequence number be unpredictable (RFC 6528), not merely change with time?',
  'why.isn-guessing.setup':
    "Setup: an attacker off the path opens two connections of its own to the server (at 0 and 100 ms) and reads the server's ISN clock from the two ISNs it sees; at 500 ms it sends a SYN forged from a trusted host that is down (10.0.0.9) and, 20 ms later, blind, the third segment with 100 bytes, acknowledging the ISN it extrapolated.",
  'why.isn-guessing.a':
    "the server's ISNs come from RFC 793's clock alone (the same clock for every 4-tuple)",
  'why.isn-guessing.b': "RFC 6528 ISNs: the clock plus a keyed hash of the 4-tuple (Linux's secure_tcp_seq)",
  'why.isn-guessing.ra':
    "A: the attacker's probes showed a clock of {rate} per second; it guessed {guess} and the server's SYN-ACK to the trusted host carried {actual}: the forged ACK completed the handshake and the server's application received {bytes} forged bytes",
  'why.isn-guessing.rb':
    "B: the probes' ISNs made a meaningless clock of {rate} per second; the guess {guess} met an ISN of {actual}: the server answered the forged ACK with {rsts} RST and its application received {bytes} bytes",
  'why.isn-guessing.moral':
    "An ISN only has to change with time to keep old duplicates apart (`synack why random-isn`); against an attacker it must also be unguessable. With one clock for every connection, an ISN the attacker sees on its own connection predicts the one in a SYN-ACK it never sees, and it can complete a connection in a trusted host's name without ever receiving a segment (Morris 1985; Mitnick 1994). RFC 6528 adds a keyed hash of the 4-tuple, so the attacker's own ISNs tell it nothing about another 4-tuple's.",
  'why.outcome.connected': 'succeeded at {t}',
  'why.outcome.timeout': 'timed out at {t}',
  'why.outcome.none': 'did not finish',
  'why.syn-flood.peakNote': ', one more than the backlog: Linux drops a SYN only once the entries exceed it',
  'why.reason.normal': 'normal',
  'why.reason.reset': 'reset',
  'why.reason.timeout': 'timeout',
  'why.reason.aborted': 'aborted',
  'why.reason.refused': 'refused',

  // synack replay: a captured segment the model would not have sent ({detail} stays English).
  'lost.afterCapture':
    '✕ lost after the capture point: the capture saw this {what}, but {peer} acts as if it never arrived',
  'replay.divergence': '✗ the model would not have sent this segment from {state}: {rule} ({detail})',
} as const;

export type MessageKey = keyof typeof en;
