/**
 * 中文解说词表：与 en.ts 相同的键、相同的 {占位符}（test/explain-catalogue.test.ts 会检查）。
 * 数字、状态和端点名称都由 narrate.ts 从 trace 中填入。
 */
import type { MessageKey } from './en.js';

export const zh: Record<MessageKey, string> = {
  'side.client': '客户端',
  'side.server': '服务器',
  'side.attacker': '攻击者',
  'what.SYN': 'SYN',
  'what.SYN-ACK': 'SYN-ACK',
  'what.FIN': 'FIN',
  'what.data': '数据',
  'what.probe': '零窗口探测',
  'what.ACK': 'ACK',
  'what.RST': 'RST',
  'unit.ms': '{n} 毫秒',
  'unit.s': '{n} 秒',
  'list.sep': '、',

  'hs.1': '第一次握手：{side}发送 SYN，携带自己的初始序号（seq = {seq}），{side}进入 {state} 状态',
  'hs.1.retx': '第一次握手（重传）：{side}以相同的序号重传 SYN（seq = {seq}，第 {n} 次尝试）',
  'hs.2':
    '第二次握手：{side}确认{peer}的 SYN（ack = {ack}），同时发送自己的 SYN（seq = {seq}），{side}进入 {state} 状态',
  'hs.2.retx': '第二次握手（重传）：{side}重传 SYN-ACK（seq = {seq}，ack = {ack}，第 {n} 次尝试）',
  'hs.2.stale':
    '针对过期 SYN 的第二次握手：{side}确认它（ack = {ack}）并发送自己的 SYN（seq = {seq}），{side}进入 {state} 状态——它无法分辨这个 SYN 是旧的',
  'hs.2.twoWay':
    '第二次也是最后一次握手——这不是 TCP（两次握手模型）：{side}确认{peer}的 SYN（ack = {ack}），发送自己的 SYN（seq = {seq}），并立即进入 ESTABLISHED 状态，不等待第三个报文段',
  'hs.2.cookie':
    '第二次握手（SYN cookie）：{side}不保存任何状态就作答——它的初始序号是一个编码了连接信息的 cookie（seq = {seq}），ack = {ack}',
  'hs.3':
    '第三次握手：{side}确认{peer}的 SYN（ack = {ack}，seq = {seq}），{side}处于 {state} 状态，{peer}收到这个 ACK 后也进入 ESTABLISHED 状态',
  'hs.3.data':
    '第三次握手：{side}确认{peer}的 SYN（ack = {ack}），并已携带 {len} 字节数据（seq = {seq}），{side}处于 {state} 状态。应用进程在连接建立之前就已写入数据，所以{side}没有先发一个单独的确认报文段，而是让数据报文段捎带确认（RFC 9293 第 3.10.7.3 节允许这样做；Linux 在有写操作等待时推迟这个确认）。为什么 SYN 本身不携带数据：参见 synack why syn-data。',
  'hs.queue':
    '{side}的半连接队列（SYN 队列）现有 {n}/{backlog} 个表项：这个连接在 SYN_RECEIVED 状态下在那里等待第三个报文段',
  'hs.queueDone': '该连接离开{side}的半连接队列（现为 {n}/{backlog}），进入全连接队列，等待应用进程接受它',
  'hs.done': '{side}收到对其 SYN 的确认（ack = {ack}）：三次握手完成，双方都处于 ESTABLISHED 状态',
  'hs.cookieOk':
    '{side}在 ACK 中收回了自己的 SYN cookie（ack = {ack}）：校验通过，{side}据此重建连接并进入 ESTABLISHED 状态——它从未保存过半连接',
  'simopen.syn':
    '{side}在{peer}的 SYN 到达之前也发送了自己的 SYN（seq = {seq}）：同时打开，{side}进入 {state} 状态',
  'simopen.synack':
    '同时打开：{side}在 SYN_SENT 状态收到{peer}的 SYN，回复 SYN,ACK（seq = {seq}，ack = {ack}）并进入 {state} 状态',
  'simopen.done':
    '{side}收到{peer}确认其 SYN 的 SYN,ACK（ack = {ack}）：进入 ESTABLISHED 状态——同时打开共用四个报文段',
  'syn.raw':
    '{side}向网络中放入一个手工构造的 SYN（seq = {seq}）：这是早先连接的过期重复报文段，仍在网络中游荡',
  'raw.segment': '{side}向网络中放入一个手工构造的 {flags} 报文段（seq = {seq}）',

  'data.send': '{side}发送 {len} 字节（seq = {seq}）：即其字节流的第 {first}–{last} 字节',
  'data.halfClose':
    '{side}在 CLOSE_WAIT 状态发送 {len} 字节（seq = {seq}）：{peer}已经不再发送，但{side}仍可发送——半关闭',
  'data.retx': '{side}重传 {len} 字节（seq = {seq}）',
  'data.retx.fast':
    '{side}不等重传定时器，立即重传 {len} 字节（seq = {seq}）：重复 ACK 或 SACK 块表明这个报文段丢了、而后面的已经到达——这就是快速重传（RFC 5681 §3.2、RFC 6675）',
  'ack.keepalive':
    '{side}很久没有收到{peer}的任何报文，发出一个保活探测：一个空的 ACK，序号比下一个要发的小一（seq = {seq}），活着的对方必须回一个 ACK；探测一直没有回应，连接就以 RST 和超时结束（RFC 1122 §4.2.3.6）',
  'ack.keepaliveAgain': '{side}仍然没有收到回应：{gap}后发出第 {n} 个保活探测——同样是空的 ACK（seq = {seq}）',
  'data.retx.tlp':
    '{side}把 {len} 字节（seq = {seq}）作为尾部丢失探测再发一次：大约两个往返时间都没有收到确认，它不等 RTO 而是先探测，对方的回答会说明尾部是否丢失（RFC 8985 §7）',

  'cc.disorder':
    '{side}收到重复 ACK 或 SACK 块（乱序状态）：可能有报文段丢失，也可能只是乱序——它继续发送并留意观察',
  'cc.recovery':
    '{side}进入快速恢复：把拥塞窗口降到 cwnd = {cwnd} 个报文段（ssthresh = {ssthresh}），而不是从一个报文段重新开始，并在修补空洞期间保持 ACK 时钟（RFC 6582、RFC 6675）',
  'cc.loss':
    '{side}的重传定时器超时（超时恢复状态）：cwnd = {cwnd} 个报文段，ssthresh = {ssthresh}——重新从慢启动开始（RFC 5681 §3.1）',
  'cc.cwr': '{side}把拥塞窗口降到 cwnd = {cwnd} 个报文段（拥塞窗口缩减状态）',
  'cc.open':
    '{side}离开 {from} 状态：发现丢包时未确认的数据都已被确认；以 cwnd = {cwnd}、ssthresh = {ssthresh} 继续发送',
  'ack.data': '{side}确认{peer}的数据：ack = {ack}（已收到 {bytes} 字节）',
  'ack.dup': '{side}重复发送 ack = {ack}：刚收到的报文段（seq = {inSeq}）不是它期待的下一个字节——重复 ACK',
  'ack.challenge':
    '{side}处于 {state} 状态，不期待 SYN：它回复一个确认其真正期待内容的 ACK（ack = {ack}）——挑战 ACK',
  'ack.unsent':
    '{side}收到的确认号 {inAck} 超出了它发送过的任何数据（它的下一个序号是 {seq}）：它忽略该确认并回复 ACK（ack = {ack}）',
  'ack.plain': '{side}发送 ACK（seq = {seq}，ack = {ack}）',
  'deliver.old': '同一四元组上一个连接的报文段现在才到达（发送于 {sent}，seq = {seq}，{len} 字节）',
  'deliver.oldAccepted':
    '同一四元组上一个连接的报文段现在才到达（发送于 {sent}，seq = {seq}，{len} 字节），且落在新连接的窗口内：{side}接收了新{peer}从未发送过的 {len} 字节',

  'close.1':
    '第一次挥手：{side}没有数据要发送了，关闭自己这一方向：发送 FIN（seq = {seq}，ack = {ack}），{side}进入 {state} 状态',
  'close.1.data':
    '第一次挥手：{side}把最后 {len} 字节数据和 FIN 一起发送（seq = {seq}，ack = {ack}），{side}进入 {state} 状态',
  'close.recvFin':
    '{side}收到{peer}的 FIN：{peer}不会再发送数据，{side}进入 CLOSE_WAIT 状态，其应用程序读到文件结束',
  'close.2':
    '第二次挥手：{side}确认{peer}的 FIN（ack = {ack}，seq = {seq}），{side}仍处于 CLOSE_WAIT 状态，还可以继续发送数据',
  'close.fw2': '{side}的 FIN 已被确认：{side}进入 FIN_WAIT_2 状态，等待{peer}的 FIN（仍可接收数据）',
  'close.3':
    '第三次挥手：{side}也关闭自己这一方向：发送 FIN（seq = {seq}，ack = {ack}），{side}进入 {state} 状态',
  'close.23':
    '第二、三次挥手合并：{side}的 ACK 与 FIN 合并在一个报文段中发送（ack = {ack}，seq = {seq}）：三次挥手，{side}进入 {state} 状态',
  'close.4': '第四次挥手：{side}确认{peer}的 FIN（ack = {ack}，seq = {seq}），{peer}收到后删除连接',
  'close.tw':
    '{side}进入 TIME_WAIT 状态：停留 2MSL = {wait}，以便在最后的 ACK 丢失时重发它，并让这个连接的旧报文段在网络中消失',
  'close.twOpen': '{side}进入 TIME_WAIT 状态：停留 2MSL 后才删除连接',
  'close.twNone':
    '{side}进入 TIME_WAIT 状态但立即离开（本次运行把 TIME_WAIT 设为 {wait}）：没有谁能再重发最后的 ACK',
  'close.twEnd':
    '进入 TIME_WAIT 状态 {wait} 之后（2MSL 计时器从进入该状态时开始计时，收到重复的 FIN 时重新开始），{side}离开 TIME_WAIT 状态：连接被删除，该四元组可以再次使用',
  'close.twEndNone': '{side}立即删除连接：这个端口忘记了连接曾经存在过',
  'close.reack':
    '{side}处于 TIME_WAIT 状态，再次收到{peer}的 FIN：它重发 ACK（ack = {ack}），并重新开始 2MSL 计时',
  'close.lastAck': '{side}收到对其 FIN 的确认（ack = {ack}）：立即删除连接——后关闭的一方没有 TIME_WAIT',
  'close.sim':
    '{side}同时关闭：它的 FIN（seq = {seq}，ack = {ack}）与{peer}的 FIN 在网络中交错——同时关闭，{side}进入 {state} 状态',
  'close.simAck':
    '{side}在自己的 FIN 尚未被确认时收到{peer}的 FIN：它确认该 FIN（ack = {ack}）并进入 {state} 状态；双方都在等待对自己 FIN 的确认',
  'fin.retx': '{side}重传它的 FIN（seq = {seq}，ack = {ack}）：没有及时收到对它的确认',
  'close.connectTimeout': '{side}发送了 {n} 个 SYN 都没有回应，放弃连接：连接请求超时失败',
  'close.timeout': '{side}重传 {n} 次后放弃：连接因超时关闭',
  'close.keepalive':
    '{side}在 {n} 个保活探测都没有回应后关闭连接：其应用程序在这个套接字上的下一次调用以“连接超时”错误失败。如果没有保活机制，悄然消失的对方会让它永远停留在 ESTABLISHED 状态——这就是半打开连接',

  'rst.abort':
    '{side}异常终止连接：发送 RST（seq = {seq}）；没有 FIN 交换，也没有 TIME_WAIT，仍在途中的数据被丢弃',
  'rst.abortApp':
    '{side}的应用程序异常终止连接：发送 RST（seq = {seq}），不经过 FIN 交换，也没有 TIME_WAIT，仍在发送队列中或途中的数据被丢弃（RFC 9293 §3.10.5 的终止调用）。套接字接口没有单独的“终止”调用：应用程序打开套接字的“逗留”选项并把逗留时间设为 0 秒，再关闭套接字，Linux 就用 RST 重置连接；关闭时还有已收到却未读取的数据，也会这样（RFC 2525 §2.17）',
  'rst.abortWithAck':
    '这个 RST 同时置了 ACK 标志（ack = {ack}）：Linux 主动复位连接时发出的报文段总是 RST|ACK；而 RFC 9293 §3.10.5（终止调用）规定发送的复位报文段以下一个待发送的序号为 seq，只置 RST 标志、不带 ACK——rfc9293 配置发送的就是这种报文段',
  'rst.abortBare':
    '这是一个不带 ACK 标志的单纯 RST，正如 RFC 9293 §3.10.5（终止调用）的规定：以下一个待发送的序号为 seq，只置 RST 标志。Linux 主动复位时还会置上 ACK 标志（发送 RST|ACK，ack 为期望收到的下一个序号）——linux 配置发送的就是这种报文段',
  'rst.keepalive':
    '{side}已发出 {n} 个保活探测都没有回应，认定{peer}已经不在：它发送 RST（seq = {seq}）重置连接，Linux 正是这样做的',
  'rst.stale':
    '{side}期待 ack = {expected}，但收到的报文段确认的是 {got}：它属于一个更早的连接，于是{side}用 RST 拒绝它（seq = {seq}）',
  'rst.noConn': '{side}没有与这个 {flags} 报文段对应的连接：回复 RST（seq = {seq}）',
  'rst.noConnTw': '{side}已经离开 TIME_WAIT，不再有与这个 {flags} 对应的连接：回复 RST（seq = {seq}）',
  'rst.other': '{side}发送 RST（seq = {seq}）',
  'rst.recv': '{side}接受这个 RST：连接从 {from} 直接进入 CLOSED，其应用程序得到“连接被重置”错误',
  'rst.recvQuiet': '{side}接受这个 RST：连接从 {from} 直接进入 CLOSED（因重置而关闭）',
  'rst.recvHalfOpen': '{side}因 RST 删除这个半连接：没有任何应用程序见过它',
  'rst.refused': '{side}的 SYN 收到 RST：连接被拒绝',

  'timer.lost': '{what} 丢失了；经过 RTO = {rto} 后，{side}重传它（第 {n} 次重传，下一个 RTO 为 {next}）',
  'timer.answerLost':
    '{side}的 {what} 已经到达，但对它的回应丢失了；经过 RTO = {rto} 后，{side}重传它（第 {n} 次重传，下一个 RTO 为 {next}）',
  'timer.rearmed':
    '{side}刚用 RST 回应了一个旧连接的报文段；和 Linux 一样（对方可能忽略了那个 RST），它把 SYN 重传计时器重置为最小值，所以 {rto} 后就重传 SYN（第 {n} 次重传，下一个 RTO 为 {next}）',
  'timer.noAck':
    '{side}在 RTO = {rto} 内没有收到对其 {what} 的确认：重传它（第 {n} 次重传，下一个 RTO 为 {next}）',
  lost: '✕ 在网络中丢失（{reason}）：{peer}永远收不到这个 {what}',
  duplicate:
    '网络复制了报文段 #{orig}：第二份副本（seq = {seq}）到达；接收方已经有这些内容，最多重新确认一次',
  reordered:
    '这个报文段在网络中被延迟，被后面的报文段超过（乱序）：接收方缓存乱序的数据，并发送重复 ACK，直到空缺被填上',
  'reordered.control':
    '这个 {what} 在网络中被延迟，被后面的报文段超过（乱序）：它不携带数据，接收方没有什么需要等它——只是晚一些处理它',
  'drop.synQueue': '{side}的 SYN 队列已满（{n} 个半连接）：来自 {from} 的 SYN 被直接丢弃，没有任何回应',
  'drop.acceptQueue': '{side}的全连接（accept）队列已满：完成握手的 ACK 被丢弃，{from}将会重传',
  'cookie.linux':
    'Linux（linux 配置）这样构造 cookie：地址和端口的带密钥哈希值，加上客户端的初始序号，加上放在最高 8 位的分钟计数器，再加上低 24 位中第二个哈希值与 MSS 编号（0–3：536、1300、1440 或 1460 字节）之和——最多 2 分钟内有效',
  'cookie.linuxTs':
    'SYN 带有时间戳选项，所以这个 SYN-ACK 的时间戳值在最低 6 位中保存其余选项——客户端的窗口扩大因子（4 位）、允许 SACK 和显式拥塞通知——ACK 在时间戳回显字段中把它们带回来',
  'cookie.linuxNoTs':
    'SYN 没有时间戳选项，cookie 无处保存窗口扩大因子和允许 SACK：这个 SYN-ACK 两者都不提供，由它建立的连接也两者都没有',
  'cookie.rfc4987':
    'RFC 4987 格式的 cookie（rfc9293 配置）：5 位 64 秒时间片、3 位 MSS 编号、24 位由地址、端口、时间片、客户端初始序号和 MSS 编号算出的带密钥哈希值——只有 MSS 能保留下来，SYN 中的窗口扩大因子、允许 SACK 和时间戳都丢失了',
  'cookie.restored':
    '{side}从 ACK 的时间戳回显字段中读回选项：窗口扩大和 SACK 按 SYN 当初的提议生效，MSS 取 cookie 保存的表中值',
  'cookie.noOptions': '{side}发现 ACK 不带时间戳：连接不使用窗口扩大和 SACK，MSS 取 cookie 保存的表中值',
  'drop.cookie': '{side}拒绝了一个 SYN cookie 校验失败的 ACK（{reason}）',
  'drop.other': '{side}丢弃了一个到达的 {flags} 报文段（{reason}）',

  'flood.start':
    '{side}发起 SYN 洪泛：{count} 个 SYN，每 {interval} 毫秒一个，来自永远不会回应的伪造地址——每个都占用一个半连接，直到其 SYN-ACK 重传次数用完（洪泛的其余部分每类只解说一次）',
  'flood.startCookies':
    '{side}发起 SYN 洪泛：{count} 个 SYN，每 {interval} 毫秒一个，来自永远不会回应的伪造地址——半连接队列未满时，每个都占用一个半连接，直到其 SYN-ACK 重传次数用完；队列满了之后，SYN-ACK 携带 SYN cookie，不再占用队列（洪泛的其余部分每类只解说一次）',
  'spoof.guess':
    '{side}从自己的两条连接读出服务器的初始序号时钟：两次的初始序号（第二次为 y = {observed}）每秒增加 {rate}；外推到现在发出的 SYN 到达服务器的时刻，服务器下一个初始序号应为 {guess}。它冒充已经宕机的受信主机 {spoofed}，而且不在通信路径上，看不到服务器的回应（RFC 6528 §1）',
  'spoof.syn':
    '{side}以 {spoofed} 为源地址伪造一个 SYN（seq = {seq}）：服务器会把 SYN-ACK 及其中的初始序号发给 {spoofed}，而不是攻击者',
  'spoof.hit':
    '{side}冒充 {spoofed} 盲发第三个报文段：ack = {ack}（猜测值 {guess} 加 1），携带 {len} 字节数据。服务器在攻击者看不到的 SYN-ACK 中用的初始序号是 {actual}：猜得分毫不差，这个 ACK 可以接受（RFC 9293 §3.10.7.4），服务器完成握手，把这 {len} 字节伪造数据当作 {spoofed} 发来的交给应用进程',
  'spoof.miss':
    '{side}冒充 {spoofed} 盲发第三个报文段：ack = {ack}（猜测值 {guess} 加 1），携带 {len} 字节数据。服务器在攻击者看不到的 SYN-ACK 中用的初始序号是 {actual}，相差 {off}：RFC 6528 在时钟之上加了对四元组的带密钥散列，攻击者自己连接的初始序号对这个四元组毫无参考价值。这个 ACK 不可接受（RFC 9293 §3.10.7.4），服务器回应 RST，数据始终到不了它的应用进程',
  'flood.syn': '来自{side}的伪造 SYN（seq = {seq}）',
  'flood.synack':
    '{side}用 SYN-ACK 回应伪造的 SYN，但它无处可去（{reason}）；该表项停留在 SYN_RECEIVED 半连接状态',
  'flood.cookie': '{side}用 SYN cookie（seq = {seq}）回应伪造的 SYN，不为它保存任何状态',
  'flood.timer': '{side}向伪造地址重传 SYN-ACK（第 {n} 次）：半连接会存在很长时间',
  'flood.expire': '{side}的一个半连接在 SYN-ACK 重传均无回应后过期：SYN 队列空出一个位置',
  'flood.expireLife':
    '{side}的一个半连接表项过期：它为 SYN-ACK 及其 {retries} 次重传等待应答，共等待 {waits} = {total}，每次等待时间加倍，始终无人应答；直到此时它在半连接队列中的位置才空出来。单独的表项最多重传 5 次，共 1 + 2 + 4 + 8 + 16 + 32 = 63 秒；当半连接队列超过一半被从未得到应答的表项占据时，Linux 把旧表项的重传次数逐步减到 2 次',
  'app.restart': '{side}崩溃并重启：它的连接悄无声息地消失；对方仍以为连接是打开的（半打开连接）',

  'why.usage': '用法：synack why <问题> [--lang en|zh] [--explain]',
  'why.list': '可以回答的问题（每个问题都运行两个对比场景）：',
  'why.unknown': '未知问题“{question}”；可选：{known}',
  'why.runA': 'A. {title}',
  'why.runB': 'B. {title}',
  'why.differs': '两次运行的差别（由运行记录计算得出）：',
  'why.failed': '运行 {which} 失败：{error}',
  'why.hidden': '……洪泛的其余 {n} 个事件未显示……',

  'why.two-way-handshake.q': '为什么 TCP 建立连接需要第三个报文段（三次握手）？',
  'why.two-way-handshake.setup':
    '场景：客户端:40000 → 服务器:80 上一个早先连接的 SYN（seq = 90）到达服务器；客户端本身并没有发起连接。服务器应用程序在接受的每个连接上发送 1000 字节。',
  'why.two-way-handshake.a': 'TCP：三次握手，一个过期的重复 SYN 到达',
  'why.two-way-handshake.b':
    '这不是 TCP——两次握手模型（服务器发出 SYN-ACK 即进入 ESTABLISHED），同一个过期 SYN',
  'why.two-way-handshake.ra':
    'A（TCP）：过期 SYN 只产生了一个半连接（{states}）；客户端用 RST 回应 SYN-ACK，半连接被删除——服务器应用程序接受了 {accepted} 个连接，发送了 {bytes} 字节',
  'why.two-way-handshake.rb':
    'B（不是 TCP）：服务器仅凭过期 SYN 就经历了 {states}——其应用程序接受了 {accepted} 个连接，并向一个从未请求的客户端发送了 {bytes} 字节',
  'why.two-way-handshake.moral':
    '第三个报文段确认服务器新选的初始序号（ack = y+1）：只有此刻真正在建立这个连接的客户端才能发出它。只有两次握手时，任何过期的重复 SYN 都能打开一个连接。',

  'why.syn-data.q': '为什么第一个 SYN 不携带数据？TCP 快速打开改变了什么？',
  'why.syn-data.setup':
    '场景：在 A 中，客户端应用进程在发起连接后立即写入 100 字节；在 B 中，client:40000 → server:80 的一个早先连接遗留的 SYN（seq = 90）携带 100 字节到达服务器，而客户端并没有发起连接。',
  'why.syn-data.a': '数据等待握手完成，由第三个报文段捎带（handshake-with-data）',
  'why.syn-data.b': '一个携带 100 字节数据的过期重复 SYN',
  'why.syn-data.ra':
    'A：第一批数据在 {sent} 随第三个报文段发出，比 SYN 晚一个往返时间，此时服务器已用 SYN-ACK 证明它认得这个连接；服务器应用进程收到 {rx} 字节',
  'why.syn-data.rb':
    'B：服务器只确认了 SYN（ack = {ack}，即该 SYN 的 seq + 1，没有确认任何数据字节），其应用进程收到 {rx} 字节；客户端并没有打开连接，它用 {rsts} 个 RST 回答 SYN-ACK，半连接表项随即被释放',
  'why.syn-data.moral':
    'SYN 什么也证明不了：它可能是过期的重复报文段，也可能来自伪造的地址。如果它携带的数据直接交给应用进程，那么在第三个报文段证明发送方确实正在打开这个连接之前，数据就已经到达应用（参见“为什么需要第三个报文段”）。所以 RFC 9293 第 3.10.7.2 节只允许监听方把这些数据排队等待握手完成，而 Linux 直接丢弃它们（发送方在握手之后重传）。TCP 快速打开（RFC 7413）省回了一个往返时间：服务器先在一次普通握手中给客户端一个 cookie，即对客户端 IP 地址计算的消息认证码；之后的 SYN 可以带上这个 cookie 携带数据，只有 cookie 校验通过，服务器才立即交付数据——没有 cookie 的过期或伪造 SYN 仍按这里的方式处理。本模拟器没有实现快速打开。',

  'why.four-way-close.q': '为什么建立连接用三个报文段，关闭连接通常却要四个？',
  'why.four-way-close.setup':
    '场景：客户端发送 200 字节后关闭。A 中服务器随后再发送 3 × 4096 字节才关闭；B 中服务器一读到文件结束就关闭。',
  'why.four-way-close.a': '半关闭：客户端发出 FIN 后服务器仍有数据要发送',
  'why.four-way-close.b': '服务器一读到文件结束就立即关闭',
  'why.four-way-close.ra':
    'A：服务器{ackWhen}确认客户端的 FIN，随后在 CLOSE_WAIT 状态发送了 {bytes} 字节（{segments} 个报文段），{gap} 之后才发送自己的 FIN——关闭共用了 {count} 个报文段',
  'why.four-way-close.rb':
    'B：服务器没有更多数据要发送：它对客户端 FIN 的确认搭载在自己的 FIN 上（{combined}）——关闭共用了 {count} 个报文段，即三次挥手',
  'why.four-way-close.moral':
    'FIN 只表示“我没有数据要发了”：每个方向各自关闭。只要另一方还可能发送数据，对第一个 FIN 的确认就不能等到第二个 FIN 再发，所以关闭需要四个报文段——当 ACK 能搭载在 FIN 上时是三个。',
  'why.ackWhen.now': '立即',
  'why.ackWhen.delayed': '在 FIN 到达 {delay} 后（延迟确认：等待可以搭载的数据，RFC 9293 §3.8.6.3）才',
  'why.combined.yes': 'ACK 与 FIN 合并',
  'why.combined.no': 'ACK 与 FIN 分开',

  'why.time-wait.q': '为什么先关闭的一方要在 TIME_WAIT 状态等待？',
  'why.time-wait.setup':
    '场景：客户端先关闭；网络丢弃了它在 TIME_WAIT 中发送的 ACK（关闭过程的最后一个报文段），因此服务器重传 FIN。',
  'why.time-wait.a': '有 TIME_WAIT（2MSL），客户端最后的 ACK 丢失',
  'why.time-wait.b': '没有 TIME_WAIT（时间等待时长设为 0），同样丢失最后的 ACK',
  'why.time-wait.ra':
    'A：服务器重传的 FIN 到达时客户端仍处于 TIME_WAIT（2MSL = {wait}）；客户端再次确认，服务器的连接最终{reason}（TIME_WAIT 中发送的 ACK：{acks} 个；RST：{rsts} 个）',
  'why.time-wait.rb':
    'B：客户端早已删除连接；重传的 FIN 得到的是 RST，服务器的连接最终{reason}（TIME_WAIT 中发送的 ACK：{acks} 个；RST：{rsts} 个）',
  'why.time-wait.moral':
    'TIME_WAIT 让先关闭的一方能够重发最后的 ACK，并在 2MSL 内不再使用这个四元组，使旧报文段在新连接可能收到它们之前消失（参见 `synack why random-isn`）。',

  'why.random-isn.q': '为什么初始序号要随机选择（RFC 6528），而不是固定值？',
  'why.random-isn.setup':
    '场景：客户端从端口 40000 发起连接并发送 100 字节；网络把这个报文段扣留 2 秒（其重传报文段顺利到达）。客户端关闭连接，经过很短的 TIME_WAIT（这里是 200 毫秒）后从同一端口再次连接，不发送数据，并在 2.3 秒时异常终止连接。',
  'why.random-isn.a':
    '固定初始序号（客户端 1000，服务器 5000）：第一个连接的一个数据报文段在网络中被延迟，随后四元组被重用',
  'why.random-isn.b': 'RFC 6528 初始序号，同样被延迟的报文段，同样重用四元组',
  'why.random-isn.ra':
    'A：两个连接都从 x = {isn1} 和 x = {isn2} 开始；旧报文段（seq = {seq}，{len} 字节，发送于 {sent}）在 {arrived} 到达，落在新窗口内并被接受：新的服务器连接收到 {rx} 字节，而新的客户端只发送了 {tx} 字节（完整性错误：{errors}——旧字节位于相同的偏移处，错的只是它们的来源）；随后双方对序号的认识不一致，互相发送了 {acks} 个纯 ACK（ACK 风暴），直到客户端异常终止连接',
  'why.random-isn.rb':
    'B：第二个连接从 x = {isn2} 开始，与第一个连接（x = {isn1}）相距 {distance}；同一个旧报文段（seq = {seq}）落在窗口外被丢弃：收到 {rx} 字节，发送 {tx} 字节；之后只有 {acks} 个纯 ACK',
  'why.random-isn.moral':
    '使用固定初始序号时，同一四元组的每一个连接都以相同方式给字节编号，旧连接被延迟的报文段在新连接中看起来是合法的。随时钟变化并结合四元组秘密哈希的初始序号（RFC 6528）让新连接位于序号空间的别处，旧报文段因此被拒绝。时钟因配置而异：RFC 793 的时钟每 4 微秒加一（每秒 250000，对应 rfc9293 配置）；Linux 的时钟每 64 纳秒加一（每秒 15625000：内核把纳秒时间右移 6 位，加上四元组的带密钥哈希值）。在 A 中，Linux 还防止了两端无休止地互发确认（确认风暴）：确认了从未发送的数据的 ACK 被丢弃，对这类报文段的回应每 500 毫秒最多一次。',

  'why.isn-guessing.q': '为什么初始序号必须不可预测（RFC 6528），仅仅随时间变化还不够？',
  'why.isn-guessing.setup':
    '设定：不在通信路径上的攻击者先向服务器建立两条自己的连接（0 毫秒和 100 毫秒时），从看到的两个初始序号读出服务器的初始序号时钟；500 毫秒时它冒充一台已经宕机的受信主机（10.0.0.9）发送 SYN，20 毫秒后盲发第三个报文段，携带 100 字节数据，确认它外推出的初始序号。',
  'why.isn-guessing.a': '服务器的初始序号只取 RFC 793 的时钟（所有四元组共用一个时钟）',
  'why.isn-guessing.b': 'RFC 6528 初始序号：时钟加上对四元组的带密钥散列（和 Linux 一样）',
  'why.isn-guessing.ra':
    'A：攻击者的两条探测连接显示时钟每秒增加 {rate}；它猜 {guess}，服务器发给受信主机的 SYN-ACK 中正是 {actual}：伪造的 ACK 完成了握手，服务器的应用进程收到 {bytes} 字节伪造数据',
  'why.isn-guessing.rb':
    'B：两条探测连接的初始序号算出的“时钟”每秒 {rate} 毫无意义；猜测值 {guess} 遇到的初始序号是 {actual}：服务器用 {rsts} 个 RST 回应伪造的 ACK，它的应用进程收到 {bytes} 字节',
  'why.isn-guessing.moral':
    '初始序号随时间变化，只能让旧的重复报文段不混进新连接（见 synack why random-isn）；面对攻击者，它还必须猜不到。所有连接共用一个时钟时，攻击者在自己连接上看到的初始序号就能预测它看不到的 SYN-ACK 中的初始序号，于是不收到任何报文段也能以受信主机的名义完成连接（1985 年的莫里斯攻击，1994 年的米特尼克攻击）。RFC 6528 加上对四元组的带密钥散列，攻击者自己的初始序号对其他四元组就毫无参考价值。',
  'why.syn-flood.q': 'SYN 洪泛如何造成拒绝服务？SYN cookie 如何应对？',
  'why.syn-flood.setup':
    '场景：攻击者向积压队列上限为 8 的监听端口发送 400 个伪造源地址的 SYN，每 50 毫秒一个；1 秒时一个真实客户端发起连接（发送 7 个 SYN 后放弃）。',
  'why.syn-flood.a': '对积压队列上限为 8、关闭 SYN cookie 的监听端口发起 SYN 洪泛',
  'why.syn-flood.b': '同样的洪泛，开启 SYN cookie（tcp_syncookies = 1）',
  'why.syn-flood.ra':
    'A：半连接队列（峰值 {peak} 个表项{peakNote}）一直被伪造的表项占满；{drops} 个 SYN 被丢弃，其中包括客户端的 {syns} 个 SYN，客户端的连接请求{outcome}',
  'why.syn-flood.rb':
    'B：{cookies} 个 SYN-ACK 携带 SYN cookie，不占用半连接队列的表项；客户端发送了 {syns} 个 SYN，其连接请求{outcome}',
  'why.syn-flood.moral':
    '每个伪造的 SYN 都在整个 SYN-ACK 重传期间占用半连接队列中的一个表项，所以不大的洪泛就能让队列一直满着，真实客户端的 SYN 被丢弃。SYN cookie 把连接信息编码在初始序号中，在 ACK 把 cookie 带回之前，半连接队列中什么都不需要保存。在 Linux 上，这个初始序号是四元组的带密钥哈希值加上客户端的初始序号、分钟计数器和 MSS 编号，窗口扩大因子和 SACK 则保存在时间戳里（synack run syn-cookies --explain 逐步说明；--profile rfc9293 展示 RFC 4987 的格式，只保留 MSS）。',
  'why.outcome.connected': '在 {t} 成功',
  'why.outcome.timeout': '在 {t} 超时',
  'why.outcome.none': '没有结束',
  'why.syn-flood.peakNote': '，比积压队列上限多一个：Linux 在表项数超过上限时才丢弃 SYN',
  'why.reason.normal': '正常关闭',
  'why.reason.reset': '被重置',
  'why.reason.timeout': '超时',
  'why.reason.aborted': '异常终止',
  'why.reason.refused': '连接被拒绝',

  'lost.afterCapture': '✕ 在抓包点之后丢失：抓包看到了这个 {what}，但{peer}的行为表明它从未到达',
  'replay.divergence': '✗ 模型在 {state} 状态下不会发送这个报文段：{rule}（{detail}）',
};
