import { describe, expect, it } from 'vitest';
import { parseDomainState, powerStateOf } from './virsh-domain-state.js';

describe(parseDomainState, () => {
  it.each([
    ['running\n\n', 'running', 'on'],
    ['running (booted)\n', 'running', 'on'],
    ['idle\n', 'idle', 'on'],
    ['blocked\n', 'idle', 'on'],
    ['in shutdown\n', 'in shutdown', 'on'],
    ['paused\n', 'paused', 'off'],
    ['paused (user)\n', 'paused', 'off'],
    ['pmsuspended\n', 'pmsuspended', 'off'],
    ['shut off\n', 'shut off', 'off'],
    ['shut off (destroyed)\n', 'shut off', 'off'],
    ['crashed (panicked)\n', 'crashed', 'off'],
    ['no state\n', 'no state', 'unknown'],
  ])('reads %j', (output, state, power) => {
    const parsed = parseDomainState(output);
    expect(parsed).toBe(state);
    expect(parsed && powerStateOf(parsed)).toBe(power);
  });

  it('knows no other state', () => {
    expect(parseDomainState('')).toBeUndefined();
    expect(parseDomainState('Id   Name   State\n')).toBeUndefined();
    expect(parseDomainState('toString\n')).toBeUndefined();
  });
});
