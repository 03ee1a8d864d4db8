/** @jest-environment jsdom */
import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import i18n from 'i18next';
import { setLanguage } from '../../../i18n';
import { Results } from './RelayResults';
import { stubMatchMedia } from '../../../ui/jsdom-stubs';

// Refused updates get no answer code: no QR is drawn (its encoder is an ES module Jest does not load).
jest.mock('./QrCode', () => ({ QrCode: () => null }));

beforeAll(stubMatchMedia);

afterEach(cleanup);

const envelope = (status: string) => ({
  deviceId: 'd',
  signature: 's',
  payload: { shipmentId: 'x', id: `u-${status}`, status, at: '2026-12-06T01:00:00.000Z' },
});

describe("The relay's answers, on the colleague's phone", () => {
  test.each([
    ['ru', 'Подпись не совпадает', 'Рейс уже в другом состоянии'],
    ['kk', 'Қолтаңба сәйкес емес', 'Рейс басқа күйде'],
  ])(
    'When the server refuses updates (%s), then the phone says why in its language, never the English reason',
    async (language, signature, step) => {
      await setLanguage(language as 'ru' | 'kk');
      render(
        <MantineProvider>
          <Results
            envelopes={[envelope('departed'), envelope('arrived'), envelope('delivered')]}
            results={[
              { id: 'u-departed', status: 'rejected', code: 'SIGNATURE_MISMATCH', reason: 'UNPROCESSABLE: signature' },
              { id: 'u-arrived', status: 'rejected', code: 'STATUS_NOT_ALLOWED', reason: 'UNPROCESSABLE: not allowed' },
              // A code this phone does not know yet (a newer server): "cannot accept".
              { id: 'u-delivered', status: 'rejected', code: 'SOMETHING_NEW', reason: 'SOMETHING_NEW: whatever' },
            ]}
            onAgain={() => undefined}
          />
        </MantineProvider>,
      );
      const said = screen.getAllByTestId('relay-refusal').map((el) => el.textContent ?? '');
      expect(said).toEqual([
        expect.stringContaining(signature),
        expect.stringContaining(step),
        i18n.t('relay.refused.UNPROCESSABLE'),
      ]);
      expect(document.body.textContent).not.toMatch(/UNPROCESSABLE|SOMETHING_NEW|signature/);
    },
  );
});
