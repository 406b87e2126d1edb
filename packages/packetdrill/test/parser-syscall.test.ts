/** Syscall lines: arguments as expression trees, results, errno and notes. */
import { describe, expect, it } from 'vitest';
import type { SyscallEvent } from '../src/ast.js';
import { onlyEvent, parseError } from './helpers.js';

const call = (line: string) => onlyEvent(`+0 ${line}`) as SyscallEvent;
const ellipsis = { kind: 'ellipsis' };
const int = (value: number, text = String(value)) => ({ kind: 'int', value, text });
const symbol = (name: string) => ({ kind: 'symbol', name });

describe('arguments', () => {
  it('socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', () => {
    expect(call('socket(..., SOCK_STREAM, IPPROTO_TCP) = 3')).toMatchObject({
      type: 'syscall',
      name: 'socket',
      args: [ellipsis, symbol('SOCK_STREAM'), symbol('IPPROTO_TCP')],
      result: int(3),
    });
  });

  it('an array and a hex number', () => {
    expect(call('setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0xffffffff], 4) = 0').args[3]).toEqual({
      kind: 'array',
      items: [int(0xffffffff, '0xffffffff')],
    });
  });

  it('a struct of fields (SO_LINGER)', () => {
    expect(call('setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0').args[3]).toEqual({
      kind: 'struct',
      fields: [
        { kind: 'assign', target: symbol('onoff'), value: int(1) },
        { kind: 'assign', target: symbol('linger'), value: int(0) },
      ],
    });
  });

  it('a string (TCP_CONGESTION) and a truncated buffer', () => {
    expect(call('setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5) = 0').args[3]).toEqual({
      kind: 'string',
      value: 'cubic',
      truncated: false,
    });
    expect(call('write(3, "abc"..., 3) = 3').args[1]).toEqual({
      kind: 'string',
      value: 'abc',
      truncated: true,
    });
  });

  it('flags joined with | (fcntl)', () => {
    expect(call('fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0').args[2]).toEqual({
      kind: 'or',
      operands: [symbol('O_RDWR'), symbol('O_NONBLOCK')],
    });
  });

  it('poll with an array of pollfd structs over several lines', () => {
    const poll = call('poll([{fd=3,\n  events=POLLIN|POLLOUT,\n  revents=POLLOUT}], 1, 100) = 1');
    expect(poll.args[0]).toMatchObject({ kind: 'array', items: [{ kind: 'struct', fields: [{}, {}, {}] }] });
    expect(poll.args.slice(1)).toEqual([int(1), int(100)]);
  });

  it('calls inside a sockaddr and a msghdr', () => {
    const bind = call(
      'bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0',
    );
    expect(bind.args[1]).toMatchObject({
      kind: 'struct',
      fields: [
        {},
        { value: { kind: 'call', name: 'htons', args: [int(8080)] } },
        { value: { kind: 'call', name: 'inet_addr' } },
      ],
    });
    const sendmsg = call('sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}, 0) = 1000');
    expect(sendmsg.args[1]).toMatchObject({
      kind: 'struct',
      fields: [{ target: { kind: 'call', name: 'msg_name', args: [ellipsis] }, value: ellipsis }, {}, {}],
    });
  });

  it('no arguments', () => {
    expect(call('close() = 0').args).toEqual([]);
  });

  it('stops a pathologically nested argument with an error', () => {
    expect(parseError(`+0 f(${'['.repeat(5000)}) = 0`).message).toBe('expression nested too deeply');
  });

  it.each([
    ['close(3, ) = 0', /^expected an expression/],
    ['close(3 = 0', /^expected '\)' or ','/],
    ['close(3)', /^expected '=' and the expected result after close/],
    ['close(3) = ', /^expected an expression/],
    ['write(3, 1.5, 3) = 3', /^expected an expression/],
  ])('rejects %s', (line, message) => {
    expect(parseError(`+0 ${line}`).message).toMatch(message);
  });
});

describe('results', () => {
  it('-1 with errno and note', () => {
    expect(call('connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)')).toMatchObject({
      result: int(-1),
      errno: 'EINPROGRESS',
      note: 'Operation now in progress',
    });
  });

  it('errno without a note, and a note without errno', () => {
    expect(call('connect(3, ..., ...) = -1 ECONNREFUSED')).toMatchObject({ errno: 'ECONNREFUSED' });
    expect(call('connect(3, ..., ...) = -1 ECONNREFUSED').note).toBeUndefined();
    expect(call('fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)')).toMatchObject({
      result: int(2, '0x2'),
      note: 'flags O_RDWR',
    });
  });

  it('a note keeps its text as written', () => {
    expect(call("read(3, ..., 1) = -1 EAGAIN (Resource temporarily   unavailable, it's fine)").note).toBe(
      "Resource temporarily   unavailable, it's fine",
    );
  });

  it('an unterminated note is an error at its "("', () => {
    expect(parseError('+0 close(3) = 0 (oops')).toMatchObject({
      line: 1,
      column: 17,
      message: "unterminated note: no ')' after '('",
    });
  });

  it('a symbol result followed by a note is not a call', () => {
    expect(call('connect(3, ..., ...) = EINPROGRESS (Operation now in progress)')).toMatchObject({
      result: { kind: 'symbol', name: 'EINPROGRESS' },
      note: 'Operation now in progress',
    });
  });

  it('a result may be an | expression', () => {
    expect(call('close(3) = 1 | 2').result).toEqual({ kind: 'or', operands: [int(1), int(2)] });
  });
});
