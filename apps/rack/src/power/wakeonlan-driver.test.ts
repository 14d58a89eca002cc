import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWolListener, type WolListener } from '../../test/support/wol-listener.js';
import { runPowerDriverContract } from './power-driver-contract.js';
import { wakeonlanDriver, wakeTarget } from './wakeonlan-driver.js';
import { magicPacket, parseMacBytes } from './wakeonlan-packet.js';

// The packets go to a UDP listener on 127.0.0.1 only, never to a broadcast address.
let card: WolListener;
beforeAll(async () => {
  card = await startWolListener();
});
afterAll(async () => {
  await card.close();
});

const MAC = '52:54:00:12:34:56';
const params = (over: Record<string, string> = {}) => ({
  mac_address: MAC,
  broadcast_address: card.host,
  port: String(card.port),
  ...over,
});
const ctx = () => ({ signal: new AbortController().signal });
/** The magic packet for 52:54:00:12:34:56, written out. */
const expected = Buffer.from(`${'ff'.repeat(6)}${'525400123456'.repeat(16)}`, 'hex');

runPowerDriverContract('wakeonlan', () => ({
  driver: wakeonlanDriver,
  parameters: params(),
  onOnly: true,
  // "On" as far as the network card can tell: a magic packet for its MAC arrived.
  peerState: async () => ((await card.take()).some((d) => d.data.equals(expected)) ? 'on' : 'off'),
}));

describe('wakeonlanDriver', () => {
  it('sends one 102-byte magic packet for the MAC to the address and port', async () => {
    await card.take(0);
    await wakeonlanDriver.on(params(), ctx());
    const received = await card.take();
    expect(received).toHaveLength(1);
    expect(received[0]?.data.length).toBe(102);
    expect(received[0]?.data.equals(expected)).toBe(true);
  });

  it.each([
    '52-54-00-12-34-56',
    '5254.0012.3456',
    '525400123456',
    ' 52:54:0:12:34:56 ',
    '52:54:00:12:34:56'.toUpperCase(),
  ])('takes the MAC as %j', async (mac) => {
    await card.take(0);
    await wakeonlanDriver.on(params({ mac_address: mac }), ctx());
    expect((await card.take()).map((d) => d.data.toString('hex'))).toEqual([expected.toString('hex')]);
  });

  it('refuses to switch a machine off, saying why', async () => {
    await expect(wakeonlanDriver.off(params(), ctx())).rejects.toMatchObject({
      code: 'power_settings_invalid',
      message: expect.stringMatching(/Wake-on-LAN can only switch a machine on/) as string,
    });
  });

  it('never knows the power state', async () => {
    expect(await wakeonlanDriver.query(params(), ctx())).toBe('unknown');
  });

  it.each([
    ['mac_address', '', /not a MAC address/],
    ['mac_address', '52:54:00:12:34', /not a MAC address/],
    ['mac_address', '52:54-00:12:34:56', /not a MAC address/],
    ['mac_address', '52:54:00:12:34:5g', /not a MAC address/],
    ['mac_address', 'ff:ff:ff:ff:ff:ff', /multicast or zero/],
    ['mac_address', '01:00:5e:00:00:01', /multicast or zero/],
    ['mac_address', '00:00:00:00:00:00', /multicast or zero/],
    ['broadcast_address', '10.0.0.256', /not an IPv4 address/],
    ['broadcast_address', 'ff02::1', /not an IPv4 address/],
    ['broadcast_address', 'lan.example.com', /not an IPv4 address/],
    ['port', '0', /not a UDP port/],
    ['port', '65536', /not a UDP port/],
    ['port', '9x', /not a UDP port/],
    ['port', '-9', /not a UDP port/],
  ])('refuses %s %j naming the field, and sends nothing', async (setting, value, why) => {
    await card.take(0);
    await expect(wakeonlanDriver.on(params({ [setting]: value }), ctx())).rejects.toMatchObject({
      code: 'power_settings_invalid',
      details: { fields: { [`power_parameters_${setting}`]: [expect.stringMatching(why)] } },
    });
    expect(await card.take(100)).toEqual([]);
  });

  it('rejects on with the reason when its signal is aborted, and sends nothing', async () => {
    await card.take(0);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(wakeonlanDriver.on(params(), { signal: controller.signal })).rejects.toBe(reason);
    expect(await card.take(100)).toEqual([]);
  });
});

describe(wakeTarget, () => {
  it('fills in the broadcast address and port 9 when they are empty', () => {
    expect(wakeTarget({ mac_address: MAC, broadcast_address: '', port: '' })).toMatchObject({
      address: '255.255.255.255',
      port: 9,
    });
  });
});

describe(parseMacBytes, () => {
  it.each([
    ['aa:bb:cc:dd:ee:ff', 'aabbccddeeff'],
    ['AA-BB-CC-DD-EE-FF', 'aabbccddeeff'],
    ['a:b:c:d:e:f', '0a0b0c0d0e0f'],
    ['aabb.ccdd.eeff', 'aabbccddeeff'],
    ['abb.cdd.eff', '0abb0cdd0eff'],
    ['AABBCCDDEEFF', 'aabbccddeeff'],
  ])('reads %s', (text, hex) => {
    expect(parseMacBytes(text)?.toString('hex')).toBe(hex);
  });

  it.each([
    '',
    'aa:bb:cc:dd:ee',
    'aa:bb:cc:dd:ee:ff:00',
    'aabb-ccdd-eeff',
    'aa:bb:cc:dd:ee:fff',
    'aabbccddeef',
  ])('refuses %j', (text) => {
    expect(parseMacBytes(text)).toBeUndefined();
  });
});

describe(magicPacket, () => {
  it('is six 0xff bytes and the MAC sixteen times', () => {
    const mac = Buffer.from('0123456789ab', 'hex');
    const packet = magicPacket(mac);
    expect(packet.length).toBe(102);
    expect(packet.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xff));
    for (let i = 0; i < 16; i++) expect(packet.subarray(6 + 6 * i, 12 + 6 * i)).toEqual(mac);
  });
});
