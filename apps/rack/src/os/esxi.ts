import { osFamily, type OsFamily } from './os-family.js';

// `<major>[.<minor>[.<micro>]]` and an optional suffix after `-` or `.`, as MAAS parses them.
// MAAS allows one digit per part (so `10.0` would read as `1 0.0`); Ferrum allows several.
const RELEASE = /^((?<major>[0-9]+)(\.(?<minor>[0-9]+))?(\.(?<micro>[0-9]+))?)?([-.]?(?<suffix>.+)?)$/;
const TITLE = 'VMware ESXi';

/** VMware ESXi, titled from the version in the release name (`8.0` → `VMware ESXi 8.0`). */
export const esxiFamily: OsFamily = osFamily({
  name: 'esxi',
  title: TITLE,
  defaultRelease: '6.7',
  releaseTitle: (release) => {
    const groups = RELEASE.exec(release)?.groups;
    if (!groups) return TITLE;
    const { major, minor, micro, suffix } = groups;
    let title = TITLE;
    if (major !== undefined) title = `${title} ${major}`;
    if (minor !== undefined) title = `${title}.${minor}`;
    if (micro !== undefined) title = `${title}.${micro}`;
    return suffix === undefined ? title : `${title} ${suffix}`;
  },
});
