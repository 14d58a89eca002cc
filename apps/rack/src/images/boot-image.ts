import type { imagesList, ResultOf } from '@ferrum/protocol';

/** One image set in the rack's cache: where it sits in the layout and the files it holds. */
export type BootImage = ResultOf<typeof imagesList>['images'][number];

/** Where the rack reads its boot images from (the cache, or a fake in tests). */
export interface BootImageSource {
  scan(): Promise<BootImage[]>;
}

/** Orders images by osystem, architecture, subarchitecture, release and label (code-unit order). */
export function compareBootImages(a: BootImage, b: BootImage): number {
  return (
    compareText(a.osystem, b.osystem) ||
    compareText(a.architecture, b.architecture) ||
    compareText(a.subarchitecture, b.subarchitecture) ||
    compareText(a.release, b.release) ||
    compareText(a.label, b.label)
  );
}

/** Compares strings by UTF-16 code units: the same answer on every host, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
