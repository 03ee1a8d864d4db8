import { useTranslation } from 'react-i18next';
import { parseQuantity, type QuantityRules } from '@karavan/shared';
import { formatNumber } from './format';
import { useUnitLabel } from './units';

const BASE_UNITS: readonly string[] = ['loaf', 'litre', 'kg', 'piece'];

/** What a quantity field knows about what it counts. */
export interface QuantityContext extends QuantityRules {
  /** The unit the quantity is typed in (the item's base unit or one of its packs); absent before an item is chosen. */
  unit?: string;
  /** The item has pack units the user could count in instead of fractions. */
  hasPacks?: boolean;
}

export type QuantityReading = { value: number; error?: undefined } | { value?: undefined; error: string };

/**
 * Reads a typed quantity in the interface language (see parseQuantity): the whole number, or the
 * message saying what the field allows ("Only whole litres, no fractions", "At most
 * 1 000 000 000"). Every quantity field of the client reads its text through this.
 */
export function useQuantityReader() {
  const { t, i18n } = useTranslation();
  const units = useUnitLabel();
  return (typed: string, context: QuantityContext = {}): QuantityReading => {
    const result = parseQuantity(typed, i18n.language, context);
    if (result.ok) return { value: result.value };
    const { unit } = context;
    switch (result.problem) {
      case 'empty':
        return { error: t('quantity.errors.empty') };
      case 'format':
        return { error: t('quantity.errors.format', { example: formatNumber(1500) }) };
      case 'negative':
        return { error: t('quantity.errors.negative') };
      case 'tooSmall':
        return { error: t('quantity.errors.tooSmall', { limit: formatNumber(result.limit ?? 1) }) };
      case 'tooBig':
        return { error: t('quantity.errors.tooBig', { limit: formatNumber(result.limit ?? 0) }) };
      case 'decimal': {
        const whole = !unit
          ? t('quantity.whole.any')
          : BASE_UNITS.includes(unit)
            ? t(`quantity.whole.${unit as 'loaf'}`)
            : t('quantity.whole.pack', { unit: units.label(unit, 5) });
        const packs = context.hasPacks && unit !== undefined && BASE_UNITS.includes(unit);
        const message = t(packs ? 'quantity.errors.decimalPacks' : 'quantity.errors.decimal', { whole });
        return { error: message.charAt(0).toLocaleUpperCase(i18n.language) + message.slice(1) };
      }
    }
  };
}
