import { describe, expect, it } from 'vitest';
import { RpcError, rpcErrorCodes } from '@ferrum/protocol';
import { OsService } from './os-service.js';
import type { RackAnswer, RackCaller } from './rack-caller.js';

const ubuntu = {
  name: 'ubuntu',
  title: 'Ubuntu',
  releases: [{ name: 'noble', title: 'Ubuntu 24.04 LTS', requiresLicenseKey: false, canCommission: true }],
  defaultRelease: 'noble',
  defaultCommissioningRelease: 'noble',
};
const centos = {
  name: 'centos',
  title: 'CentOS',
  releases: [
    { name: 'centos9-stream', title: 'CentOS 9 stream', requiresLicenseKey: false, canCommission: false },
  ],
  defaultRelease: '',
  defaultCommissioningRelease: '',
};

/** Racks that answer os.list with these results (an Error: the rack failed to answer). */
function racks(...answers: (object | Error)[]): RackCaller {
  return {
    connectedIds: () => answers.map((_, i) => `rack${String(i)}`),
    drop: () => undefined,
    call: () => Promise.reject(new Error('not used')),
    callAll: <R>() =>
      Promise.resolve(
        answers.map((a, i): RackAnswer<R> =>
          a instanceof Error
            ? {
                systemId: `rack${String(i)}`,
                ok: false,
                error: new RpcError(rpcErrorCodes.deadlineExceeded, a.message),
                ms: 5000,
              }
            : { systemId: `rack${String(i)}`, ok: true, result: a as R, ms: 1 },
        ),
      ),
  };
}

describe(OsService, () => {
  it('merges what the racks offer, releases deduplicated', async () => {
    const os = new OsService({
      racks: racks({ osystems: [ubuntu] }, { osystems: [ubuntu, centos] }, new Error('late')),
    });
    const merged = await os.list();
    expect(merged.value.map((o) => [o.name, o.releases.map((r) => r.name)])).toEqual([
      ['centos', ['centos9-stream']],
      ['ubuntu', ['noble']],
    ]);
    expect(merged).toMatchObject({ asked: 3, unanswered: [{ systemId: 'rack2', message: 'late' }] });
  });

  it('asks the racks once for callers at the same moment, and afresh afterwards', async () => {
    const rack = racks({ osystems: [ubuntu] });
    let calls = 0;
    const counting: RackCaller = {
      ...rack,
      callAll: (...args: Parameters<RackCaller['callAll']>) => {
        calls += 1;
        return rack.callAll(...args);
      },
    };
    const os = new OsService({ racks: counting });
    const burst = await Promise.all(Array.from({ length: 100 }, () => os.list()));
    expect(calls).toBe(1);
    expect(burst.every((m) => m.value[0]?.name === 'ubuntu')).toBe(true);
    await os.list();
    expect(calls).toBe(2);
  });

  it('finds the OS of a bare release, and falls back to the default OS', async () => {
    const os = new OsService({ racks: racks({ osystems: [ubuntu, centos] }) });
    await expect(
      os.checkInstallable(undefined, 'centos9-stream', { defaultOsystem: 'ubuntu' }),
    ).resolves.toEqual({
      osystem: 'centos',
      distroSeries: 'centos9-stream',
    });
    await expect(os.checkInstallable(undefined, 'noble', { defaultOsystem: 'ubuntu' })).resolves.toEqual({
      osystem: 'ubuntu',
      distroSeries: 'noble',
    });
    await expect(
      os.checkInstallable(undefined, 'xenial', { defaultOsystem: 'ubuntu' }),
    ).rejects.toMatchObject({
      details: {
        fields: { distro_series: [expect.stringMatching(/^'xenial' is not a valid distro_series/)] },
      },
    });
  });

  it('blames the release when a bare one no rack offers comes with no default OS (allocate)', async () => {
    const os = new OsService({ racks: racks({ osystems: [ubuntu] }) });
    await expect(os.checkInstallable(undefined, 'xenial')).rejects.toMatchObject({
      details: {
        fields: {
          distro_series: ["'xenial' is not a valid distro_series.  It should be one of: 'ubuntu/noble'."],
        },
      },
    });
  });

  it('answers rack_unavailable, not a bad-input 400, when no rack answered', async () => {
    const os = new OsService({ racks: racks(new Error('timed out'), new Error('timed out')) });
    await expect(os.checkInstallable('ubuntu', 'noble')).rejects.toMatchObject({ code: 'rack_unavailable' });
  });
});
