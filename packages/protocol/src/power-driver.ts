// Power drivers: one interface for every way of switching a machine (manual, IPMI, Redfish, …).
// Types only: the rack runs drivers, the region validates their parameters, and both (and the
// web UI) read the same description. Retries and state polling live outside the drivers.

/** What a driver reports about a machine's power. `error`: the BMC answered but could not tell. */
export type PowerState = 'on' | 'off' | 'unknown' | 'error';

/** How a setting is entered and shown: MAAS's `field_type` values `string`, `password`, `choice`. */
export type PowerSettingKind = 'string' | 'password' | 'choice';

/** One allowed value of a choice setting (MAAS renders these as `[value, label]` pairs). */
export interface PowerSettingChoice {
  readonly value: string;
  readonly label: string;
}

interface PowerSettingBase {
  /** Parameter name, e.g. `power_address`; the API takes it as `power_parameters_<name>`. */
  readonly name: string;
  /** Human-readable label for forms. */
  readonly label: string;
  /** Whether a machine of this power type must have a non-empty value. */
  readonly required: boolean;
  /** Stored encrypted, redacted from logs and API output (MAAS's `secret`). */
  readonly secret: boolean;
  /** Where the value lives: shared by every machine on one BMC (default) or per machine. */
  readonly scope?: 'bmc' | 'node';
  /** Used when the parameter is not given. */
  readonly default?: string;
}

/** A free-text setting. */
export interface StringPowerSetting extends PowerSettingBase {
  readonly kind: 'string';
}

/** A password: entered masked, and always secret. */
export interface PasswordPowerSetting extends PowerSettingBase {
  readonly kind: 'password';
}

/** One value out of a fixed list. */
export interface ChoicePowerSetting extends PowerSettingBase {
  readonly kind: 'choice';
  readonly choices: readonly PowerSettingChoice[];
}

/** One parameter a power driver takes. */
export type PowerSetting = StringPowerSetting | PasswordPowerSetting | ChoicePowerSetting;

/** A machine's power parameters, validated and with defaults applied. */
export type PowerParameters = Readonly<Record<string, string>>;

/** What a driver call gets besides the parameters. */
export interface PowerContext {
  /** Aborted when the caller gives up (timeout, shutdown): the driver stops and rejects. */
  readonly signal: AbortSignal;
  /** The machine being switched, for messages. */
  readonly systemId?: string;
  /** `off` only: `soft` asks the OS to shut down (ACPI), `hard` cuts power. Default: the driver's own setting. */
  readonly stopMode?: 'soft' | 'hard';
}

/**
 * A power type as both ends know it without running it: its settings (MAAS's
 * `power_parameters` names), the programs it needs, and how to find its BMC's address. The
 * region validates parameters with it; the rack's driver adds the actions.
 */
export interface PowerTypeDeclaration {
  /** The power type, as MAAS names it (`manual`, `ipmi`, `redfish`, …). */
  readonly name: string;
  /** Shown to users, e.g. `IPMI`. */
  readonly description: string;
  readonly settings: readonly PowerSetting[];
  /** Programs the driver runs (found on PATH), e.g. `ipmitool`; reported when missing. */
  readonly requiredTools: readonly string[];
  /** Whether its state can be asked (MAAS's `queryable`; false for manual and wakeonlan). */
  readonly queryable: boolean;
  /**
   * It can switch a machine on but not off (Wake-on-LAN): the region does not send it power-off
   * work, and a release or an abort that waits for one goes on, the operator switching it off.
   */
  readonly onOnly?: boolean;
  /**
   * The setting holding the BMC's address (an IP, a host name, `host:port`, or a URL), which
   * routes power work to a rack that reaches it; absent when the type has no BMC (manual).
   */
  readonly addressSetting?: string;
}

/**
 * A way of switching machines on and off and asking their state. Drivers do one thing per
 * call and throw `AppError` with a `power_*` code (auth, unreachable, settings, tool missing,
 * BMC busy, failed) naming what went wrong; retries, the PXE-then-on sequence, confirmation of
 * the new state, timeouts and concurrency limits live once, outside the drivers.
 */
export interface PowerDriver extends PowerTypeDeclaration {
  on(params: PowerParameters, ctx: PowerContext): Promise<void>;
  off(params: PowerParameters, ctx: PowerContext): Promise<void>;
  query(params: PowerParameters, ctx: PowerContext): Promise<PowerState>;
  /** A hard reset of a machine that is on; when absent, the caller does off then on. */
  cycle?(params: PowerParameters, ctx: PowerContext): Promise<void>;
  /** Makes the next boot, once, a network boot (EFI or legacy as the parameters say). */
  setNextBootPxe?(params: PowerParameters, ctx: PowerContext): Promise<void>;
}
