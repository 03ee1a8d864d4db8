// ZXing's QR reader, for browsers without BarcodeDetector (Firefox, Chrome on a desktop, older
// phones). Its own chunk, loaded only when a scanner opens on such a browser.
// (its modules one by one: the package's index brings every format, four times the size)
import BinaryBitmap from '@zxing/library/esm/core/BinaryBitmap';
import HybridBinarizer from '@zxing/library/esm/core/common/HybridBinarizer';
import QRCodeReader from '@zxing/library/esm/core/qrcode/QRCodeReader';
import RGBLuminanceSource from '@zxing/library/esm/core/RGBLuminanceSource';

/** Reads a QR code in the video's current frame: its text, or null when there is none. */
export function zxingDecoder(): (video: HTMLVideoElement) => string | null {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const reader = new QRCodeReader();
  return (video) => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!context || width === 0 || height === 0) return null;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    const luminance = new Uint8ClampedArray(width * height);
    for (let i = 0, p = 0; i < luminance.length; i += 1, p += 4) {
      luminance[i] = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8;
    }
    try {
      return reader
        .decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height))))
        .getText();
    } catch {
      return null; // no code in this frame (ZXing throws NotFound, Checksum or Format)
    } finally {
      reader.reset();
    }
  };
}
