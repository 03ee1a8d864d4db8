import {
  TEXT_MAX,
  TOTAL_MAX,
  isWhole,
  startOfDayIn,
  textProblem,
  toBaseQuantity,
  wallClock,
  type CampaignDto,
  type CreateCampaignRequest,
  type ItemDto,
  type LocalizedText,
} from '@karavan/shared';
import type { Problems } from '../../ui/forms';

type Texts = Record<'ru' | 'en' | 'ky' | 'kk', string>;

/** One target row as typed: the item, the amount and the unit it is typed in (base or a pack). */
export interface TargetLine {
  key: string;
  itemId: string | null;
  quantity: number | string;
  /** '' for the base unit. */
  unit: string;
}

/** A campaign as its form holds it. */
export interface CampaignValues {
  names: Texts;
  descriptions: Texts;
  /** `YYYY-MM-DD` on the campaign's clock, '' for none. */
  startsOn: string;
  endsOn: string;
  timeZone: string | null;
  targets: TargetLine[];
  locationIds: string[];
  public: boolean;
}

export type CampaignField = 'ru' | 'en' | 'ky' | 'kk' | 'description' | 'endsOn' | 'timeZone' | 'targets' | 'points';

export const CAMPAIGN_SERVER_FIELDS: Record<string, CampaignField> = {
  'body.name.ru': 'ru',
  'body.name.en': 'en',
  'body.name.ky': 'ky',
  'body.name.kk': 'kk',
  'body.name': 'ru',
  'body.description': 'description',
  'body.endsAt': 'endsOn',
  'body.startsAt': 'endsOn',
  'body.timeZone': 'timeZone',
  'body.targets': 'targets',
  'body.locationIds': 'points',
};

const texts = (text: LocalizedText | null | undefined): Texts => ({
  ru: text?.ru ?? '',
  en: text?.en ?? '',
  ky: text?.ky ?? '',
  kk: text?.kk ?? '',
});

/** The form's values for a campaign, or for a new one on the deployment's default clock. */
export function campaignValues(
  campaign: CampaignDto | null,
  defaultZone: string,
  newKey: () => string,
): CampaignValues {
  const zone = campaign?.timeZone ?? defaultZone;
  return {
    names: texts(campaign?.name),
    descriptions: texts(campaign?.description),
    startsOn: campaign?.startsAt ? wallClock(new Date(campaign.startsAt), zone).date : '',
    endsOn: campaign?.endsAt ? wallClock(new Date(campaign.endsAt), zone).date : '',
    timeZone: zone,
    targets: (campaign?.targets ?? []).map((target) => ({
      key: newKey(),
      itemId: target.itemId,
      quantity: target.quantity,
      unit: '',
    })),
    locationIds: campaign?.locationIds ?? [],
    public: campaign?.public ?? false,
  };
}

/** A target row's amount in the item's base unit; undefined while it is not a whole amount of a unit it has. */
export function baseQuantity(line: TargetLine, item: Pick<ItemDto, 'baseUnit' | 'packs'> | undefined) {
  if (!item || !isWhole(line.quantity)) return undefined;
  const base = toBaseQuantity(item, Number(line.quantity), line.unit || undefined);
  // A target is at most TOTAL_MAX base units, as the API takes it.
  return base !== undefined && base <= TOTAL_MAX ? base : undefined;
}

/** A Russian name; each target an item with a whole amount; the last day not before the first; a zone. */
export function validateCampaign(
  values: CampaignValues,
  items: Map<string, Pick<ItemDto, 'baseUnit' | 'packs'>>,
): Problems<CampaignField> {
  const found: Problems<CampaignField> = {};
  for (const language of ['ru', 'en', 'ky', 'kk'] as const) {
    const problem = textProblem(values.names[language], TEXT_MAX.name, language === 'ru');
    if (problem) found[language] = `wb.fieldErrors.${problem}`;
  }
  if (Object.values(values.descriptions).some((text) => textProblem(text, TEXT_MAX.description)))
    found.description = 'wb.fieldErrors.tooLong';
  if (!values.timeZone) found.timeZone = 'campaigns.errors.zone';
  if (values.startsOn && values.endsOn && values.endsOn < values.startsOn) found.endsOn = 'campaigns.errors.dates';
  if (values.targets.some((line) => !line.itemId || baseQuantity(line, items.get(line.itemId)) === undefined))
    found.targets = 'campaigns.errors.target';
  return found;
}

const localized = (text: Texts): LocalizedText => {
  const out: LocalizedText = { ru: text.ru.trim() };
  for (const language of ['en', 'ky', 'kk'] as const) {
    const value = text[language].trim();
    if (value) out[language] = value;
  }
  return out;
};

/** The day after `YYYY-MM-DD`. */
const nextDay = (day: string): string => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
};

/**
 * The request for a valid form: names and descriptions in the languages given; the first day from
 * its midnight and the last day to its end, on the campaign's clock; targets in the unit typed
 * (the server converts); a blank description is none.
 */
export function campaignRequest(values: CampaignValues): CreateCampaignRequest {
  const zone = values.timeZone!;
  const description = localized(values.descriptions);
  // A description given in other languages only reads the same to a Russian reader (the fallback).
  description.ru ||= description.en ?? description.ky ?? description.kk ?? '';
  return {
    name: localized(values.names),
    description: description.ru ? description : null,
    startsAt: values.startsOn ? startOfDayIn(values.startsOn, zone).toISOString() : null,
    endsAt: values.endsOn ? new Date(startOfDayIn(nextDay(values.endsOn), zone).getTime() - 1).toISOString() : null,
    timeZone: zone,
    targets: values.targets.map((line) => ({
      itemId: line.itemId!,
      quantity: Number(line.quantity),
      ...(line.unit ? { unit: line.unit } : {}),
    })),
    locationIds: values.locationIds,
    public: values.public,
  };
}
