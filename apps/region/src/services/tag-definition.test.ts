import { describe, expect, it } from 'vitest';
import { definitionError, definitionMatches, detailsDocument } from './tag-definition.js';

/** lshw -xml of a small server (trimmed): a CPU with VT-x, a NIC, an NVIDIA GPU. */
const lshw = Buffer.from(`<?xml version="1.0" standalone="yes" ?>
<list>
<node id="gpu-box" claimed="true" class="system" handle="DMI:0001">
 <description>Rack Mount Chassis</description>
 <product>PowerEdge R750xa</product>
 <vendor>Dell Inc.</vendor>
 <node id="core" claimed="true" class="bus">
  <node id="cpu:0" claimed="true" class="processor">
   <product>Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz</product>
   <capabilities><capability id="vmx">Virtual Machine Extensions</capability></capabilities>
  </node>
  <node id="display" claimed="true" class="display">
   <description>3D controller</description>
   <vendor>NVIDIA Corporation</vendor>
  </node>
 </node>
</node>
</list>
`);

const lldp = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<lldp label="LLDP neighbors">
 <interface label="Interface" name="eth0">
  <chassis label="Chassis"><name label="SysName">tor-switch-1</name></chassis>
 </interface>
</lldp>
`);

describe(definitionMatches, () => {
  const doc = detailsDocument({ lshw, lldp });

  it("reads lshw from the root as MAAS's legacy expressions expect", () => {
    expect(definitionMatches('//node[@id="cpu:0"]/capabilities/capability[@id="vmx"]', doc)).toBe(true);
    expect(definitionMatches('//node[@class="display"]/vendor = "NVIDIA Corporation"', doc)).toBe(true);
    expect(definitionMatches('/list/node[@class="system"]/product = "PowerEdge R750xa"', doc)).toBe(true);
    // A relative path starts at the root element (lxml's ElementTree), not above it.
    expect(definitionMatches('node[@class="system"]/vendor = "Dell Inc."', doc)).toBe(true);
    expect(definitionMatches('list/node', doc)).toBe(false);
    expect(definitionMatches('//node[@id="cpu:0"]/capabilities/capability[@id="svm"]', doc)).toBe(false);
  });

  it('reads LLDP and the copy of lshw under their prefixes, and not unprefixed', () => {
    expect(definitionMatches('//lldp:chassis/lldp:name = "tor-switch-1"', doc)).toBe(true);
    expect(definitionMatches('//chassis', doc)).toBe(false);
    expect(definitionMatches('//lshw:node[@class="display"]', doc)).toBe(true);
  });

  it('takes XPath truth: a number is true unless 0, a string unless empty', () => {
    expect(definitionMatches('count(//node[@class="processor"])', doc)).toBe(true);
    expect(definitionMatches('count(//node[@class="tape"])', doc)).toBe(false);
    expect(definitionMatches('string(//node[@class="tape"]/vendor)', doc)).toBe(false);
    expect(definitionMatches('//node[@class="display"]/vendor/text()', doc)).toBe(true);
  });

  it('evaluates against an empty <list> without details, or with details that are not XML', () => {
    for (const details of [
      { lshw: null, lldp: null },
      { lshw: Buffer.from('maas-lshw: ok (simulated)\n'), lldp: Buffer.from('<lldp><open>') },
    ]) {
      const bare = detailsDocument(details);
      expect(definitionMatches('/list', bare)).toBe(true);
      expect(definitionMatches('//node', bare)).toBe(false);
      expect(definitionMatches('not(//node)', bare)).toBe(true);
    }
    // LLDP alone still counts.
    expect(definitionMatches('//lldp:chassis', detailsDocument({ lshw: null, lldp }))).toBe(true);
  });
});

describe(definitionError, () => {
  it('accepts XPath 1.0 and names what is wrong with anything else', () => {
    expect(definitionError('//node[@id="cpu"]')).toBeUndefined();
    expect(definitionError('//lldp:chassis and count(//node) > 2')).toBeUndefined();
    expect(definitionError('//node[@id=')).toMatch(/^Invalid xpath expression: /);
    expect(definitionError('//nosuch:node')).toMatch(/^Invalid xpath expression: .*nosuch/);
    expect(definitionError('frobnicate(//node)')).toMatch(/^Invalid xpath expression: .*frobnicate/);
  });
});
