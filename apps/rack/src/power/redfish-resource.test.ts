import { describe, expect, it } from 'vitest';
import {
  lastSegment,
  readActionInfoValues,
  readCollectionMembers,
  readRedfishSystem,
  redfishErrorText,
  redfishPowerState,
} from './redfish-resource.js';

// Trimmed from DMTF's public Redfish mockup (DSP2043) ComputerSystem.
const dmtfSystem = {
  '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
  Id: '437XR1138R2',
  Name: 'WebFrontEnd483',
  SystemType: 'Physical',
  PowerState: 'On',
  Boot: {
    BootSourceOverrideEnabled: 'Once',
    BootSourceOverrideTarget: 'Pxe',
    'BootSourceOverrideTarget@Redfish.AllowableValues': [
      'None',
      'Pxe',
      'Cd',
      'Usb',
      'Hdd',
      'BiosSetup',
      'Utilities',
      'Diags',
      'SDCard',
      'UefiTarget',
    ],
    BootSourceOverrideMode: 'UEFI',
    UefiTargetBootSourceOverride: '/0x31/0x33/0x01/0x01',
  },
  Actions: {
    '#ComputerSystem.Reset': {
      target: '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset',
      'ResetType@Redfish.AllowableValues': [
        'On',
        'ForceOff',
        'GracefulShutdown',
        'GracefulRestart',
        'ForceRestart',
        'Nmi',
        'ForceOn',
        'PushPowerButton',
      ],
    },
  },
  '@odata.id': '/redfish/v1/Systems/437XR1138R2',
};

// OpenBMC's bmcweb: the allowed ResetTypes live in an ActionInfo resource.
const bmcwebSystem = {
  '@odata.id': '/redfish/v1/Systems/system',
  '@odata.type': '#ComputerSystem.v1_16_0.ComputerSystem',
  Actions: {
    '#ComputerSystem.Reset': {
      '@Redfish.ActionInfo': '/redfish/v1/Systems/system/ResetActionInfo',
      target: '/redfish/v1/Systems/system/Actions/ComputerSystem.Reset',
    },
  },
  Id: 'system',
  PowerState: 'Off',
};
const bmcwebActionInfo = {
  '@odata.id': '/redfish/v1/Systems/system/ResetActionInfo',
  '@odata.type': '#ActionInfo.v1_1_2.ActionInfo',
  Id: 'ResetActionInfo',
  Name: 'Reset Action Info',
  Parameters: [
    {
      AllowableValues: [
        'On',
        'ForceOff',
        'ForceOn',
        'ForceRestart',
        'GracefulRestart',
        'GracefulShutdown',
        'PowerCycle',
        'Nmi',
      ],
      DataType: 'String',
      Name: 'ResetType',
      Required: true,
    },
  ],
};

describe(readRedfishSystem, () => {
  it('reads a DMTF mockup system', () => {
    expect(readRedfishSystem(dmtfSystem, '/redfish/v1/Systems/437XR1138R2', 'W/"abc"')).toEqual({
      uri: '/redfish/v1/Systems/437XR1138R2',
      id: '437XR1138R2',
      powerState: 'On',
      reset: {
        target: '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset',
        allowable: [
          'On',
          'ForceOff',
          'GracefulShutdown',
          'GracefulRestart',
          'ForceRestart',
          'Nmi',
          'ForceOn',
          'PushPowerButton',
        ],
      },
      bootTargets: [
        'None',
        'Pxe',
        'Cd',
        'Usb',
        'Hdd',
        'BiosSetup',
        'Utilities',
        'Diags',
        'SDCard',
        'UefiTarget',
      ],
      etag: 'W/"abc"',
    });
  });

  it('reads an OpenBMC system whose ResetTypes are in an ActionInfo', () => {
    const system = readRedfishSystem(bmcwebSystem, '/redfish/v1/Systems/system');
    expect(system.reset).toEqual({
      target: '/redfish/v1/Systems/system/Actions/ComputerSystem.Reset',
      actionInfo: '/redfish/v1/Systems/system/ResetActionInfo',
    });
    expect(readActionInfoValues(bmcwebActionInfo, 'ResetType')).toContain('PowerCycle');
    expect(readActionInfoValues(bmcwebActionInfo, 'Other')).toBeUndefined();
  });

  it('survives a body that is not a system', () => {
    expect(readRedfishSystem('<html>', '/redfish/v1/Systems/7/')).toEqual({
      uri: '/redfish/v1/Systems/7/',
      id: '7',
    });
    expect(readRedfishSystem({ PowerState: 3, Actions: { '#ComputerSystem.Reset': {} } }, '/x')).toEqual({
      uri: '/x',
      id: 'x',
    });
  });

  it('prefers @odata.etag to the ETag header', () => {
    expect(readRedfishSystem({ '@odata.etag': 'W/"1"' }, '/s', 'W/"2"').etag).toBe('W/"1"');
  });
});

describe(readCollectionMembers, () => {
  it('lists member URIs and skips malformed members', () => {
    expect(
      readCollectionMembers({
        Members: [
          { '@odata.id': '/redfish/v1/Systems/1' },
          {},
          'x',
          { '@odata.id': '/redfish/v1/Systems/2' },
        ],
      }),
    ).toEqual(['/redfish/v1/Systems/1', '/redfish/v1/Systems/2']);
    expect(readCollectionMembers({})).toEqual([]);
  });
});

describe(redfishPowerState, () => {
  it.each([
    ['On', 'on'],
    ['PoweringOn', 'on'],
    ['Paused', 'on'],
    ['Off', 'off'],
    ['PoweringOff', 'off'],
    [undefined, 'error'],
    ['Unknown', 'error'],
    ['constructor', 'error'],
  ] as const)('maps %s to %s', (state, expected) => {
    expect(redfishPowerState(state)).toBe(expected);
  });
});

describe(lastSegment, () => {
  it('takes the Id out of a URI', () => {
    expect([
      lastSegment('/redfish/v1/Systems/1/'),
      lastSegment('/redfish/v1/Systems/System.Embedded.1'),
    ]).toEqual(['1', 'System.Embedded.1']);
  });
});

describe(redfishErrorText, () => {
  it('reads an iDRAC-style error with its resolution', () => {
    const body = JSON.stringify({
      error: {
        '@Message.ExtendedInfo': [
          {
            Message:
              'Unable to complete the operation because the resource /redfish/v1/Systems/System.Embedded.2 accessed is not found.',
            MessageArgs: ['/redfish/v1/Systems/System.Embedded.2'],
            'MessageArgs@odata.count': 1,
            MessageId: 'IDRAC.2.8.SYS403',
            RelatedProperties: [],
            'RelatedProperties@odata.count': 0,
            Resolution: 'Enter the correct resource and retry the operation.',
            Severity: 'Critical',
          },
        ],
        code: 'Base.1.12.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information',
      },
    });
    expect(redfishErrorText(body)).toBe(
      'Unable to complete the operation because the resource /redfish/v1/Systems/System.Embedded.2 accessed is not found. ' +
        'Enter the correct resource and retry the operation.',
    );
  });

  it('joins several messages and leaves out a resolution of "None"', () => {
    const body = JSON.stringify({
      error: {
        code: 'Base.1.13.0.GeneralError',
        message: 'A general error has occurred.',
        '@Message.ExtendedInfo': [
          {
            MessageId: 'Base.1.13.0.PropertyUnknown',
            Message: 'The property Foo is not in the list of valid properties for the resource.',
            Resolution: 'None',
          },
          {
            MessageId: 'Base.1.13.0.InternalError',
            Message: 'The request failed due to an internal service error.',
          },
        ],
      },
    });
    expect(redfishErrorText(body)).toBe(
      'The property Foo is not in the list of valid properties for the resource. The request failed due to an internal service error.',
    );
  });

  it('falls back to error.message, and gives nothing for a body that is no Redfish error', () => {
    expect(redfishErrorText('{"error": {"code": "Base.1.0.GeneralError", "message": "Unauthorized"}}')).toBe(
      'Unauthorized',
    );
    expect(redfishErrorText('<html><body>401</body></html>')).toBeUndefined();
    expect(redfishErrorText('{"Members": []}')).toBeUndefined();
    expect(redfishErrorText('')).toBeUndefined();
  });

  it('cuts a long explanation short', () => {
    const body = JSON.stringify({ error: { message: 'x'.repeat(2_000) } });
    expect(redfishErrorText(body)).toHaveLength(600);
  });
});
