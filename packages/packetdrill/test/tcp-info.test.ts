/** %{ }% blocks: the TCP_INFO assertions a runner can check, and what it reports unsupported. */
import { describe, expect, it } from 'vitest';
import { readCodeBlock } from '../src/tcp-info.js';

const at = { line: 20, column: 4 };

describe('readCodeBlock', () => {
  it('reads assert FIELD == CONSTANT with a message', () => {
    expect(readCodeBlock(' assert tcpi_state == TCP_ESTABLISHED, tcpi_state ', at)).toEqual([
      {
        kind: 'assert',
        line: 20,
        column: 7,
        text: 'assert tcpi_state == TCP_ESTABLISHED, tcpi_state',
        operands: [
          { kind: 'field', name: 'tcpi_state' },
          { kind: 'number', value: 1, text: 'TCP_ESTABLISHED' },
        ],
        comparisons: ['=='],
      },
    ]);
  });

  it('reads chained comparisons and numbers on either side, one statement a line', () => {
    const statements = readCodeBlock(
      '\nassert 200000 <= tcpi_rto <= 230000\n  assert tcpi_snd_cwnd != 7\n',
      at,
    );
    expect(statements).toMatchObject([
      {
        kind: 'assert',
        line: 21,
        column: 1,
        comparisons: ['<=', '<='],
        operands: [{ value: 200000 }, { name: 'tcpi_rto' }, { value: 230000 }],
      },
      { kind: 'assert', line: 22, column: 3, comparisons: ['!='] },
    ]);
  });

  it('knows Linux constant values (tcp_states.h, enum tcp_ca_state)', () => {
    const [s] = readCodeBlock('assert tcpi_ca_state == TCP_CA_Loss', at);
    expect(s).toMatchObject({ operands: [{}, { value: 4 }] });
  });

  it.each([
    ['assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0', /is not a supported TCP_INFO field/],
    ['assert tcpi_sacked == 0', /TCP_INFO field tcpi_sacked is not modelled/],
    ['print(tcpi_snd_cwnd)', /only "assert/],
    ['assert tcpi_snd_cwnd', /must compare/],
    ['assert 1 == 1', /must read a tcpi_ field/],
  ])('reports %s as unsupported', (code, reason) => {
    const [s] = readCodeBlock(code, at);
    expect(s).toMatchObject({ kind: 'unsupported', line: 20, reason: expect.stringMatching(reason) });
  });

  it('skips blank lines and comments', () => {
    expect(readCodeBlock('\n# a comment\n\n', at)).toEqual([]);
  });
});
