import { randomBytes } from 'node:crypto';
import {
  CROCKFORD,
  checkSymbol,
  formatLabelCode,
  fromBase64Url,
  labelCodeFromBytes,
  parseLabelCode,
  toBase64Url,
} from '@karavan/shared';

const codes = Array.from({ length: 25 }, () => labelCodeFromBytes(randomBytes(5)));

describe('label codes', () => {
  test('When a code is made, then it is 8 Crockford symbols and its check symbol, printed XXXX-XXXX-C and read back', () => {
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}[0-9A-HJKMNP-TV-Z*~$=U]$/);
      expect(formatLabelCode(code)).toMatch(/^.{4}-.{4}-.$/);
      expect(parseLabelCode(formatLabelCode(code))).toEqual({ ok: true, code });
      expect(parseLabelCode(` ${formatLabelCode(code).toLowerCase()} `)).toEqual({ ok: true, code });
    }
    // Crockford's example values: 0 checks as 0, 32 as 10 (A0 is 320), and 1234 = 0x4D2 = "16J".
    expect(checkSymbol('00000000')).toBe('0');
    expect(labelCodeFromBytes(Uint8Array.from([0, 0, 0, 4, 210])).slice(0, 8)).toBe('0000016J');
    expect(checkSymbol('0000016J')).toBe(CROCKFORD[1234 % 37]);
  });

  test('When one symbol is misread, then the check symbol catches it, at every position and with every other symbol', () => {
    for (const code of codes) {
      for (let i = 0; i < 8; i += 1) {
        for (const other of CROCKFORD) {
          if (other === code[i]) continue;
          const typo = code.slice(0, i) + other + code.slice(i + 1);
          expect(parseLabelCode(typo)).toEqual({ ok: false, reason: 'check' });
        }
      }
    }
  });

  test('When two neighbouring symbols are swapped, then the check symbol catches it', () => {
    let swaps = 0;
    for (const code of codes) {
      for (let i = 0; i < 8; i += 1) {
        const swapped = code.slice(0, i) + code[i + 1]! + code[i]! + code.slice(i + 2);
        if (swapped === code) continue;
        swaps += 1;
        expect(parseLabelCode(swapped).ok).toBe(false);
      }
    }
    expect(swaps).toBeGreaterThan(150);
  });

  test('When I, L or O are typed, then they read as 1, 1 and 0; anything else of the wrong shape is a format error', () => {
    const code = labelCodeFromBytes(Uint8Array.from([0, 0, 0, 0, 33])); // 00000011 + check
    expect(parseLabelCode(`OOOO-OOIL-${code[8]}`)).toEqual({ ok: true, code });
    expect(parseLabelCode('1234')).toEqual({ ok: false, reason: 'format' });
    expect(parseLabelCode('0000-0011-#')).toEqual({ ok: false, reason: 'format' });
  });

  test('When bytes go to base64url and back, then they are unchanged and match Node’s encoding', () => {
    for (let n = 0; n < 40; n += 1) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(fromBase64Url('a+b/')).toBeNull();
  });
});
