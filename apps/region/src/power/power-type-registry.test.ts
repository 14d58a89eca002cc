import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { manualPowerType, powerTypeDeclarations, type PowerTypeDeclaration } from '@ferrum/protocol';
import { PowerTypeRegistry } from './power-type-registry.js';

/** An IPMI-shaped power type with every kind of setting. */
const fakeIpmi: PowerTypeDeclaration = {
  name: 'fake_ipmi',
  description: 'Fake IPMI',
  requiredTools: ['ipmitool'],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    {
      name: 'power_driver',
      label: 'Power driver',
      kind: 'choice',
      required: true,
      secret: false,
      default: 'LAN_2_0',
      choices: [
        { value: 'LAN', label: 'LAN [IPMI 1.5]' },
        { value: 'LAN_2_0', label: 'LAN_2_0 [IPMI 2.0]' },
      ],
    },
    { name: 'power_address', label: 'IP address', kind: 'string', required: true, secret: false },
    { name: 'power_user', label: 'Power user', kind: 'string', required: false, secret: false },
    { name: 'power_pass', label: 'Power password', kind: 'password', required: false, secret: true },
  ],
};

function fieldsOf(run: () => unknown): Readonly<Record<string, readonly string[]>> {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') return error.details.fields ?? {};
    throw error;
  }
  throw new Error('expected a validation error');
}

describe(PowerTypeRegistry, () => {
  const registry = new PowerTypeRegistry([manualPowerType, fakeIpmi]);

  it('looks power types up by name and lists them by name', () => {
    expect(registry.get('manual')).toBe(manualPowerType);
    expect(registry.list().map((d) => d.name)).toEqual(['fake_ipmi', 'manual']);
    expect(() => registry.get('nope')).toThrow(expect.objectContaining({ code: 'not_found' }) as Error);
  });

  it('refuses two power types of the same name', () => {
    expect(() => new PowerTypeRegistry([manualPowerType, manualPowerType])).toThrow(
      expect.objectContaining({ code: 'conflict' }) as Error,
    );
  });

  it('knows every power type Ferrum declares by default', () => {
    expect(new PowerTypeRegistry().list().map((d) => d.name)).toEqual(
      powerTypeDeclarations.map((d) => d.name),
    );
  });

  it('keeps secrets apart by the declaration, not by the name', () => {
    expect(registry.splitSecrets('fake_ipmi', { power_address: '10.0.0.5', power_pass: 'pw' })).toEqual({
      plain: { power_address: '10.0.0.5' },
      secrets: { power_pass: 'pw' },
    });
  });

  it('fills in defaults and empty optional values', () => {
    expect(registry.validateParameters('fake_ipmi', { power_address: '10.0.0.5' })).toEqual({
      power_driver: 'LAN_2_0',
      power_address: '10.0.0.5',
      power_user: '',
      power_pass: '',
    });
    expect(registry.validateParameters('manual', {})).toEqual({});
  });

  it('names every offending field at once', () => {
    expect(
      fieldsOf(() =>
        registry.validateParameters('fake_ipmi', {
          power_driver: 'SERIAL',
          power_port: '623',
          power_user: 5,
        }),
      ),
    ).toEqual({
      power_parameters_power_port: ["Unknown parameter for power type 'fake_ipmi'."],
      power_parameters_power_driver: [
        'Select a valid choice. "SERIAL" is not one of the available choices: LAN, LAN_2_0.',
      ],
      power_parameters_power_address: ['This field is required.'],
      power_parameters_power_user: ['Expected a string.'],
    });
  });

  it('treats an empty required value as missing', () => {
    expect(fieldsOf(() => registry.validateParameters('fake_ipmi', { power_address: '' }))).toEqual({
      power_parameters_power_address: ['This field is required.'],
    });
  });

  it('reports an unknown power type under power_type', () => {
    expect(fieldsOf(() => registry.validateParameters('wol', {}))).toEqual({
      power_type: ['Select a valid choice. "wol" is not one of the available choices: fake_ipmi, manual.'],
    });
  });

  it('ignores inherited properties of the parameters object', () => {
    const params = Object.create({ power_port: '623' }) as Record<string, unknown>;
    params['power_address'] = '10.0.0.5';
    expect(registry.validateParameters('fake_ipmi', params)['power_address']).toBe('10.0.0.5');
  });
});
