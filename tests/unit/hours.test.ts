import {
  hoursToday,
  isOpenNow,
  localize,
  parseDayHours,
  parseOpeningHours,
  startOfDayIn,
  toLocalized,
  wallClock,
} from '@karavan/shared';

describe('time zones and opening hours (shared)', () => {
  test('When 04:25 UTC is read on a Bishkek clock, then it is 10:25 the same day', () => {
    expect(wallClock(new Date('2026-12-05T04:25:00Z'), 'Asia/Bishkek')).toEqual({
      date: '2026-12-05',
      weekday: 'sat',
      minutes: 625,
      time: '10:25',
    });
    // Each zone keeps its own clock (a formatter is made once per zone and reused).
    expect(wallClock(new Date('2026-12-05T04:25:00Z'), 'Europe/Berlin').time).toBe('05:25');
    expect(wallClock(new Date('2026-12-05T20:25:00Z'), 'Asia/Bishkek')).toMatchObject({
      date: '2026-12-06',
      time: '02:25',
    });
    expect(startOfDayIn('2026-12-05', 'Asia/Bishkek').toISOString()).toBe('2026-12-04T18:00:00.000Z');
    // Across a change of offset (Berlin moves to summer time that night).
    expect(startOfDayIn('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  test('When free-text hours say it plainly, then they become a week; otherwise they stay unknown', () => {
    const week = parseOpeningHours('Пн-Сб 9:00-18:00\nВс выходной')!;
    expect(week.mon).toEqual([{ opens: '09:00', closes: '18:00' }]);
    expect(week.sat).toEqual([{ opens: '09:00', closes: '18:00' }]);
    expect(week.sun).toEqual([]);
    expect(parseOpeningHours('Ежедневно 8:00–22:00')!.sun).toEqual([{ opens: '08:00', closes: '22:00' }]);
    expect(parseOpeningHours('Круглосуточно')!.wed).toEqual([{ opens: '00:00', closes: '24:00' }]);
    expect(parseOpeningHours('Mon-Fri 9-18')!.fri).toEqual([{ opens: '09:00', closes: '18:00' }]);
    expect(parseOpeningHours('по звонку')).toBeUndefined();
    expect(parseDayHours('9–13, 14:00-18:00')).toEqual([
      { opens: '09:00', closes: '13:00' },
      { opens: '14:00', closes: '18:00' },
    ]);
    expect(parseDayHours('18-9')).toBeUndefined();
  });

  test('When a place is asked about at a moment, then it says today’s hours and whether it is open, on the campaign’s clock', () => {
    const day = parseDayHours('9–13, 14–18')!;
    const week = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: [] };
    // Saturday 10:25 in Bishkek (04:25 UTC): open until 13:00.
    expect(hoursToday(week, 'Asia/Bishkek', new Date('2026-12-05T04:25:00Z'))).toMatchObject({
      weekday: 'sat',
      openNow: true,
      closesAt: '13:00',
      opensAt: null,
    });
    // The same moment in UTC is 04:25: closed, opens at 09:00... of the UTC clock's Saturday.
    expect(hoursToday(week, 'UTC', new Date('2026-12-05T04:25:00Z'))).toMatchObject({ openNow: false });
    expect(isOpenNow(week, 'Asia/Bishkek', new Date('2026-12-06T04:25:00Z'))).toBe(false); // Sunday
    expect(isOpenNow(null, 'Asia/Bishkek')).toBeNull();
  });

  test('When a name is one string or a translated object, then each language reads with a Russian fallback', () => {
    expect(toLocalized('Пункт')).toEqual({ ru: 'Пункт', en: 'Пункт', ky: 'Пункт', kk: 'Пункт' });
    const name = toLocalized({ ru: 'Склад', en: 'Warehouse' });
    expect(localize(name, 'en')).toBe('Warehouse');
    expect(localize(name, 'kk')).toBe('Склад');
    expect(localize('старое', 'en')).toBe('старое');
  });
});
