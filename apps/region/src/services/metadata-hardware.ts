/**
 * Where the commissioning resources document goes (the output of `50-maas-01-commissioning`,
 * MAAS's machine-resources JSON): the hardware parser plugs in here through `createServices`.
 */
export interface HardwareSink {
  /** Replaces the machine's inventory with what `document` says (400 for a document it cannot read). */
  applyResources(systemId: string, document: unknown): Promise<void>;
}

/** Keeps nothing (until the hardware parser is plugged in). */
export const noHardwareSink: HardwareSink = { applyResources: () => Promise.resolve() };

/** The script whose stdout is the resources document (MAAS COMMISSIONING_OUTPUT_NAME). */
export const RESOURCES_SCRIPT = '50-maas-01-commissioning';
