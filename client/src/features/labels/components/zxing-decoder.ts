// ZXing's QR reader, for browsers without BarcodeDetector (Safari, Firefox, Chrome on a desktop,
// older phones). Its own chunk, loaded only when a scanner opens on such a browser.
// (its modules one by one: the package's index brings every format, four times the size)
import BinaryBitmap from '@zxing/library/esm/core/BinaryBitmap';
import type BitMatrix from '@zxing/library/esm/core/common/BitMatrix';
import HybridBinarizer from '@zxing/library/esm/core/common/HybridBinarizer';
import type DecodeHintType from '@zxing/library/esm/core/DecodeHintType';
import NotFoundException from '@zxing/library/esm/core/NotFoundException';
import Decoder from '@zxing/library/esm/core/qrcode/decoder/Decoder';
import Detector from '@zxing/library/esm/core/qrcode/detector/Detector';
import type FinderPattern from '@zxing/library/esm/core/qrcode/detector/FinderPattern';
import FinderPatternFinder from '@zxing/library/esm/core/qrcode/detector/FinderPatternFinder';
import type FinderPatternInfo from '@zxing/library/esm/core/qrcode/detector/FinderPatternInfo';
import RGBLuminanceSource from '@zxing/library/esm/core/RGBLuminanceSource';

/** FinderPatternFinder with the two steps below made overridable (they are private in its types). */
interface OpenFinder {
  find(hints: Map<DecodeHintType, unknown> | null): FinderPatternInfo;
  getPossibleCenters(): FinderPattern[];
}
const OpenFinderPatternFinder = FinderPatternFinder as unknown as new (image: BitMatrix, callback: null) => OpenFinder;

const squaredDistance = (a: FinderPattern, b: FinderPattern) => (a.getX() - b.getX()) ** 2 + (a.getY() - b.getY()) ** 2;

/**
 * ZXing's JavaScript port stops looking for finder patterns (the three big squares) once it has
 * three that look confirmed, and keeps the three whose sizes agree best. Some codes hold a
 * square-like patch of data that passes for one: the reader then never finds the third real
 * square, at any size or angle, even in a code drawn perfectly (about 1 in 25 of our relay codes
 * and labels; a relay stopped at "3 of 4" for one). This finder looks over the whole image and
 * keeps the three that best form an isosceles right triangle, as ZXing's Java reader does since
 * 3.4. In our trials it read all of 1,905 perfectly drawn codes (ZXing's own reader: 96 %), and of
 * 150 blurred, noisy, tilted pictures of codes 102 (ZXing's: 68); zxing-decoder.test.ts checks both.
 */
class WholeImageFinder extends OpenFinderPatternFinder {
  haveMultiplyConfirmedCenters(): boolean {
    return false;
  }

  selectBestPatterns(): FinderPattern[] {
    const centers = [...this.getPossibleCenters()].sort(
      (a, b) => a.getEstimatedModuleSize() - b.getEstimatedModuleSize(),
    );
    let best: FinderPattern[] | null = null;
    let distortion = Infinity;
    for (let i = 0; i < centers.length - 2; i += 1) {
      const smallest = centers[i]!.getEstimatedModuleSize();
      for (let j = i + 1; j < centers.length - 1; j += 1) {
        const ij = squaredDistance(centers[i]!, centers[j]!);
        for (let k = j + 1; k < centers.length; k += 1) {
          // Sorted by size: the third's modules must be within 40 % of the first's.
          if (centers[k]!.getEstimatedModuleSize() > smallest * 1.4) break;
          const [a, b, c] = [
            ij,
            squaredDistance(centers[j]!, centers[k]!),
            squaredDistance(centers[i]!, centers[k]!),
          ].sort((x, y) => x - y) as [number, number, number];
          // Two equal legs (a = b) and a right angle (c = a + b): 0 for a perfect triangle.
          const off = Math.abs(c - 2 * b) + Math.abs(c - 2 * a);
          if (off < distortion) {
            distortion = off;
            best = [centers[i]!, centers[j]!, centers[k]!];
          }
        }
      }
    }
    if (!best) throw new NotFoundException();
    return best;
  }
}

/** ZXing's QR detector with the finder above. */
class WholeImageDetector extends Detector {
  detect(hints: Map<DecodeHintType, unknown> | null) {
    const finder = new WholeImageFinder(this.getImage(), null);
    return this.processFinderPatternInfo(finder.find(hints));
  }
}

const decoder = new Decoder();

/** The text of the QR code in an image given as grey levels (one byte a pixel), or null. */
export function readLuminance(luminance: Uint8ClampedArray, width: number, height: number): string | null {
  try {
    const image = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)));
    const found = new WholeImageDetector(image.getBlackMatrix()).detect(null);
    return decoder.decodeBitMatrix(found.getBits()).getText();
  } catch {
    return null; // no code read (ZXing throws NotFound, Checksum or Format)
  }
}

/**
 * How each frame is looked at, in turn. ZXing misses a dense code (a label's QR is version 15 or
 * so) in some frames at one size and finds it at another: the frame is tried smaller (its finder
 * patterns are found best at 3 to 5 pixels a module), as it is, and turned a quarter.
 */
const VIEWS = [
  { scale: 1 / 2, turn: false },
  { scale: 1 / 3, turn: false },
  { scale: 1, turn: false },
  { scale: 1 / 2, turn: true },
  { scale: 2 / 5, turn: false },
  { scale: 1 / 3, turn: true },
];
/** A view smaller than this (its short side, pixels) cannot hold a label's code. */
const MIN_SIDE = 200;

/** Reads a QR code in the video's current frame: its text, or null when there is none. */
export function zxingDecoder(): (video: HTMLVideoElement) => string | null {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let turn = 0;
  return (video) => {
    if (!context || video.videoWidth === 0 || video.videoHeight === 0) return null;
    let view = VIEWS[turn++ % VIEWS.length]!;
    if (Math.min(video.videoWidth, video.videoHeight) * view.scale < MIN_SIDE) view = { scale: 1, turn: view.turn };
    const width = Math.round(video.videoWidth * view.scale);
    const height = Math.round(video.videoHeight * view.scale);
    canvas.width = view.turn ? height : width;
    canvas.height = view.turn ? width : height;
    context.setTransform(1, 0, 0, 1, 0, 0);
    if (view.turn) {
      context.translate(height, 0);
      context.rotate(Math.PI / 2);
    }
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const luminance = new Uint8ClampedArray(canvas.width * canvas.height);
    for (let i = 0, p = 0; i < luminance.length; i += 1, p += 4) {
      luminance[i] = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8;
    }
    return readLuminance(luminance, canvas.width, canvas.height);
  };
}
