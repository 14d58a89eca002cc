import { osFamily, type OsFamily } from './os-family.js';

// As MAAS parses them: `centos` + a major digit + an optional minor digit + an optional suffix
// after `-` or `.` (`centos70`, `centos8`, `centos9-stream`, `centos71-custom`).
const RELEASE = /^centos((?<major>[0-9])(?<minor>[0-9])?)?([-.]?(?<suffix>.+))?$/i;
const TITLE = 'CentOS';

/** CentOS, titled from the release name as MAAS does (`centos70` → `CentOS 7`). */
export const centosFamily: OsFamily = osFamily({
  name: 'centos',
  title: TITLE,
  defaultRelease: 'centos70',
  releaseTitle: (release) => {
    const m = RELEASE.exec(release);
    if (!m?.groups) return `${TITLE} ${release}`;
    const { major, minor, suffix } = m.groups;
    let title = TITLE;
    // MAAS's streams carry no minor version for 7.0 and 6.6 images, so it shows none for them
    // (LP: #1654063): `centos70` → `CentOS 7`, `centos66` → `CentOS 6`.
    if ((major !== undefined && minor === undefined) || minor === '0' || (major === '6' && minor === '6'))
      title = `${title} ${major ?? ''}`;
    else if (major !== undefined && minor !== undefined) title = `${title} ${major}.${minor}`;
    return suffix === undefined ? title : `${title} ${suffix}`;
  },
});
