import { osFamily, type OsFamily } from './os-family.js';

// As MAAS parses them: `rhel` + a major digit + an optional minor digit + an optional suffix.
const RELEASE = /^rhel((?<major>[0-9])(?<minor>[0-9])?)?([-.]?(?<suffix>.+))?$/i;
// MAAS's spelling, which its API and UI show.
const TITLE = 'Redhat Enterprise Linux';

/** Red Hat Enterprise Linux, titled from the release name as MAAS does (`rhel81` → `… 8.1`). */
export const rhelFamily: OsFamily = osFamily({
  name: 'rhel',
  title: TITLE,
  defaultRelease: 'rhel7',
  releaseTitle: (release) => {
    const m = RELEASE.exec(release);
    if (!m?.groups) return `${TITLE} ${release}`;
    const { major, minor, suffix } = m.groups;
    let title = TITLE;
    if (major !== undefined && minor !== undefined) title = `${title} ${major}.${minor}`;
    else if (major !== undefined) title = `${title} ${major}`;
    return suffix === undefined ? title : `${title} ${suffix}`;
  },
});
