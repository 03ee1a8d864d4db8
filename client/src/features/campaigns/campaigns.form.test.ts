import { describe, expect, test } from '@jest/globals';
import { baseQuantity, campaignRequest, campaignValues, validateCampaign, type CampaignValues } from './campaigns.form';

const bread = { baseUnit: 'loaf' as const, packs: [{ unit: 'tray', size: 20 }] };
const items = new Map([['i1', bread]]);
let n = 0;
const values = (patch: Partial<CampaignValues> = {}): CampaignValues => ({
  ...campaignValues(null, 'Asia/Bishkek', () => `k${(n += 1)}`),
  names: { ru: 'Хлеб для Алматы', en: 'Bread for Almaty', ky: '', kk: '' },
  ...patch,
});

describe('the campaign form', () => {
  test('When a target is typed in trays, then it reads in loaves and is sent in trays', () => {
    const line = { key: 'a', itemId: 'i1', quantity: 750, unit: 'tray' };
    expect(baseQuantity(line, bread)).toBe(15_000);
    expect(campaignRequest(values({ targets: [line] })).targets).toEqual([
      { itemId: 'i1', quantity: 750, unit: 'tray' },
    ]);
  });

  test('When the days are chosen, then they run from midnight to the end of the last day on the campaign clock', () => {
    const body = campaignRequest(values({ startsOn: '2026-12-01', endsOn: '2026-12-31' }));
    expect(body).toMatchObject({
      name: { ru: 'Хлеб для Алматы', en: 'Bread for Almaty' },
      description: null,
      timeZone: 'Asia/Bishkek',
      startsAt: '2026-11-30T18:00:00.000Z',
      endsAt: '2026-12-31T17:59:59.999Z',
    });
  });

  test('When the Russian name is blank, the last day is before the first, or a target is not whole, then each is said', () => {
    expect(
      validateCampaign(
        values({
          names: { ru: ' ', en: 'x', ky: '', kk: '' },
          startsOn: '2026-12-10',
          endsOn: '2026-12-01',
          targets: [{ key: 'a', itemId: 'i1', quantity: 1.5, unit: '' }],
        }),
        items,
      ),
    ).toEqual({ ru: 'wb.fieldErrors.required', endsOn: 'campaigns.errors.dates', targets: 'campaigns.errors.target' });
    expect(validateCampaign(values(), items)).toEqual({});
  });
});
