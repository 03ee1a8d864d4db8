/** @jest-environment jsdom */
import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { act, cleanup, render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { setLanguage } from '../../../i18n';
import { stubMatchMedia } from '../../../ui/jsdom-stubs';
import QrScanner from './QrScanner';

/*
 * The camera, filming a driver's screen that shows two codes in turn, 1.5 s each, on a phone
 * whose reader takes 2.8 s per frame (the browser's BarcodeDetector, stubbed: it reads the code
 * on screen when it is asked, and answers 2.8 s later).
 */
const SHOWN_MS = 1_500;
const READ_MS = 2_800;
const onScreen = () => (Math.floor(Date.now() / SHOWN_MS) % 2 === 0 ? 'A' : 'B');

beforeAll(async () => {
  stubMatchMedia();
  await setLanguage('ru');
  class Detector {
    static getSupportedFormats = () => Promise.resolve(['qr_code']);
    detect() {
      const code = onScreen();
      return new Promise<{ rawValue: string }[]>((resolve) => setTimeout(() => resolve([{ rawValue: code }]), READ_MS));
    }
  }
  Object.assign(window, { BarcodeDetector: Detector });
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: { getUserMedia: () => Promise.resolve({ getTracks: () => [{ stop: () => undefined }] }) },
  });
  window.HTMLMediaElement.prototype.play = () => Promise.resolve();
});

afterEach(() => {
  cleanup();
  jest.useRealTimers();
});

describe('Reading a sequence of codes with the camera', () => {
  test('When a slow phone reads a screen that shows two codes in turn, then it reads both (its reads do not keep step with the screen)', async () => {
    jest.useFakeTimers({ now: 0 });
    const read = new Set<string>();
    render(
      <MantineProvider>
        <QrScanner
          title="Сканер"
          foreignMessage="Не тот код"
          onClose={() => undefined}
          onText={(text) => {
            read.add(text);
            return read.size === 2 ? 'done' : 'more';
          }}
        />
      </MantineProvider>,
    );
    // Two minutes of filming at most (about 40 reads).
    for (let ms = 0; ms < 120_000 && read.size < 2; ms += 500) {
      await act(() => jest.advanceTimersByTimeAsync(500));
    }
    expect([...read].sort()).toEqual(['A', 'B']);
  });
});
