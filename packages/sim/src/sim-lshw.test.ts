import { describe, expect, it } from 'vitest';
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { simHardware } from './sim-hardware.js';
import { simLshw } from './sim-lshw.js';

describe(simLshw, () => {
  it("is well-formed lshw XML of the machine's system, CPUs with VT-x, NICs and disks", () => {
    const { document, macs } = simHardware(0, 3, 'lshw');
    const xml = simLshw(document);
    const problems: string[] = [];
    const doc = new DOMParser({ onError: (_level, message) => problems.push(message) }).parseFromString(
      xml,
      'text/xml',
    );
    expect(problems).toEqual([]);
    const text = (expression: string) => xpath.select(`string(${expression})`, doc as unknown as Node);
    expect(text('/list/node[@class="system"]/product')).toBe('PowerEdge R650');
    expect(
      xpath.select(
        'count(//node[@class="processor"]/capabilities/capability[@id="vmx"])',
        doc as unknown as Node,
      ),
    ).toBe(2);
    expect(text('//node[@class="network"][1]/serial')).toBe(macs[0]);
    expect(xpath.select('count(//node[@class="disk"])', doc as unknown as Node)).toBe(4);
  });
});
