// ZXing's QR reader, for browsers without BarcodeDetector (Firefox, Chrome on a desktop, older
// phones). Its own chunk, loaded only when a scanner opens on such a browser.
// (its modules one by one: the package's index brings every format, four times the size)
import BinaryBitmap from '@zxing/library/esm/core/BinaryBitmap';
import HybridBinarizer from '@zxing/library/esm/core/common/HybridBinarizer';
import QRCodeReader from '@zxing/library/esm/core/qrcode/QRCodeReader';
import RGBLuminanceSource from '@zxing/library/esm/core/RGBLuminanceSource';

/**
 * How each frame is looked at, in turn. ZXing's JavaScript port misses a dense code (a label's
 * QR is version 15 or so) in about one frame in four at one size and finds it at another: the
 * frame is tried smaller (its finder patterns are found best at 3 to 5 pixels a module), as
 * it is, and turned a quarter. Over a second every way has been tried; a still image that none
 * reads is rare (1 in 100 in our trials with generated labels).
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
  const reader = new QRCodeReader();
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
    const source = new RGBLuminanceSource(luminance, canvas.width, canvas.height);
    try {
      return reader.decode(new BinaryBitmap(new HybridBinarizer(source))).getText();
    } catch {
      return null; // no code read in this view (ZXing throws NotFound, Checksum or Format)
    } finally {
      reader.reset();
    }
  };
}
