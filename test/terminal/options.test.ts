import { describe, expect, it } from 'vitest';
import { OptionError, parseOptions, USAGE } from '../../terminal/options.ts';
import { charsPerSecond } from '../../shared/pacer.ts';
import { DEFAULT_URL } from '../../shared/wire.ts';

describe('teletype options', () => {
  it('defaults: the local mainframe, unpaced, status line on', () => {
    expect(parseOptions([])).toMatchObject({ url: DEFAULT_URL, baud: 0, upper: false, log: null, status: true, help: false });
  });

  it('reads the URL and every option', () => {
    expect(
      parseOptions(['ws://10.0.0.5:7000', '--baud', '110', '--upper', '--log', 'paper.txt', '--no-status']),
    ).toMatchObject({ url: 'ws://10.0.0.5:7000', baud: 110, upper: true, log: 'paper.txt', status: false });
    expect(parseOptions(['--baud=300']).baud).toBe(300);
    expect(parseOptions(['localhost:6400']).url).toBe('ws://localhost:6400');
    expect(parseOptions(['--help']).help).toBe(true);
    expect(parseOptions([], { TELETYPE_DEBUG_LOG: '/tmp/t.log' }).debugLog).toBe('/tmp/t.log');
  });

  it('refuses bad input with a clear message', () => {
    expect(() => parseOptions(['--baud', 'fast'])).toThrow(/--baud wants a whole number/);
    expect(() => parseOptions(['--baud'])).toThrow(/--baud needs a value/);
    expect(() => parseOptions(['--log'])).toThrow(OptionError);
    expect(() => parseOptions(['--colour'])).toThrow(/unknown option --colour/);
    expect(() => parseOptions(['http://example.com'])).toThrow(/not a WebSocket URL/);
    expect(() => parseOptions(['ws://a:1', 'ws://b:2'])).toThrow(/only one URL/);
  });

  it('line speed: 110 baud is 10 characters a second, others baud/10, 0 unpaced', () => {
    expect([110, 300, 1200, 0].map(charsPerSecond)).toEqual([10, 30, 120, 0]);
  });

  it('help names every option and the quit key', () => {
    for (const w of ['--baud', '--upper', '--log', '--no-status', '--help', 'Ctrl-] then q', 'PgUp']) {
      expect(USAGE).toContain(w);
    }
  });
});
