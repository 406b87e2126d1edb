/**
 * The one-line description of each built-in scenario in Chinese (issue 21 item 5): `synack run
 * --lang zh` prints it under the header. Textbook terms: 报文段, 半连接队列, 全连接队列,
 * 时间等待, 2MSL. A scenario file's own description is the user's text and is printed as written.
 */
import { findScenario, type Scenario } from './scenarios.js';

export const ZH_DESCRIPTIONS: Readonly<Record<string, string>> = {
  handshake:
    '三次握手：SYN seq=x，SYN-ACK seq=y ack=x+1，ACK ack=y+1；双方都进入 ESTABLISHED（已建立连接）。',
  'handshake-with-data':
    '客户端应用在握手完成之前写入 100 字节：第三个报文段既是对 SYN-ACK 的确认，又携带这些数据（Linux 为等待发送的数据推迟这个 ACK，RFC 9293 §3.10.7.3 允许这样做）。',
  lifecycle:
    '一条连接的一生：三次握手，双方各发送 1024 字节，客户端先关闭，四次挥手，时间等待（TIME_WAIT，2MSL）到期。',
  'simultaneous-open':
    '双方同时发送 SYN（RFC 9293 图 7）：双方都经历 SYN_SENT → SYN_RECEIVED → ESTABLISHED。',
  'simultaneous-close': '双方在同一时刻关闭：双方都经历 FIN_WAIT_1 → CLOSING → TIME_WAIT。',
  'half-close':
    '客户端发送请求后关闭自己这一半；服务器在 CLOSE_WAIT（关闭等待）状态继续发送，客户端在 FIN_WAIT_2 状态继续接收——半关闭。',
  'lost-syn': '客户端的第一个 SYN 丢失；经过初始 RTO（1 秒）后重传，握手完成。',
  'lost-synack':
    '服务器的第一个 SYN-ACK 丢失；一次重传（服务器的 SYN-ACK 计时器，或客户端重发的 SYN 被立即应答）使握手完成。',
  'lost-final-ack':
    '客户端的最后一个 ACK 丢失：服务器在 LAST_ACK 状态重传 FIN，客户端在时间等待（TIME_WAIT）状态再次确认，并重新开始 2MSL 计时。',
  'old-duplicate-syn':
    'RFC 9293 图 8：一个旧的重复 SYN 先到达服务器；客户端用 RST 回应过时的 SYN-ACK，随后真正的握手完成。',
  'half-open':
    'RFC 9293 图 10：客户端崩溃后从同一端口重新连接；仍处于 ESTABLISHED 的服务器用一个 ACK 回应这个 SYN，客户端将它重置，随后建立一条新连接。',
  'half-open-keepalive':
    '客户端主机崩溃后不再出现在网络上；仍处于 ESTABLISHED 的服务器在静默 10 秒后发送保活探测（seq 为下一个发送序号减 1），每 5 秒一次；第三次探测无应答后，它重置连接，应用得到“连接超时”错误。',
  'rst-abort':
    '客户端异常终止一条已建立的连接：它发送 RST（Linux 发送 RST|ACK，RFC 9293 只发送 RST），服务器报告“连接被重置”。',
  'syn-flood': '攻击者用伪造源地址的 SYN 洪泛服务器；半连接队列（积压 8）一直是满的，客户端的连接请求超时。',
  'syn-cookies':
    '同样的洪泛，但服务器启用了 SYN cookie（模式 1）：半连接队列溢出时，服务器不保存状态地应答，客户端仍能连上。',
  'isn-spoofing':
    '不在通信路径上的攻击者先用自己的两条连接摸清服务器的初始序号时钟（按 RFC 793 的时钟直接取值，不加散列），再冒充一台已经宕机的受信主机发送 SYN，猜中它看不到的 SYN-ACK 中的初始序号，伪造的第三个报文段连同 100 字节数据被服务器接受。',
  'isn-spoofing-rfc6528':
    '同样的攻击，但服务器按 RFC 6528 选择初始序号（对四元组做带密钥的散列，和 Linux 一样）：猜测落空，服务器用 RST 回应伪造的 ACK，这 100 字节始终到不了它的应用进程。',
  'lossy-transfer':
    '在 5 % 丢包、10 % 乱序和时延抖动下双向批量传输（上行 200 千字节，下行 100 千字节）：每个字节都按序到达，且恰好一次。',
  'bulk-transfer':
    '一次长时间的单向传输（客户端 → 服务器 2 兆字节），往返时延 100 毫秒，双向 1 % 伯努利丢包，用于测量丢包下的有效吞吐量：可对丢包率和时延做参数扫描。',
};

/**
 * The description line of a run in `lang`: a built-in scenario's Chinese text, or the scenario
 * file's own description as written (so is a built-in whose Chinese text is missing: the
 * Latin-word test of zh-output.test.ts then names it).
 */
export function scenarioDescription(scenario: Scenario, lang: 'en' | 'zh'): string | undefined {
  if (lang === 'en' || !scenario.description) return scenario.description;
  const builtIn = findScenario(scenario.name);
  const unchanged = builtIn !== undefined && builtIn.description === scenario.description;
  return (unchanged ? ZH_DESCRIPTIONS[scenario.name] : undefined) ?? scenario.description;
}
