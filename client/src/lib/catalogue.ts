import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { localize, type LocalizedText, type Page } from '@karavan/shared';
import { fetchAllPages } from './pages';
import type { CampaignDto, ItemDto, LocationDto, TranslatedName } from './contracts';
import { queryKeys } from './realtime/cache';

/** Catalogue data every screen shares: small lists, loaded once (every page) and kept (also offline). */
const LONG = { staleTime: 5 * 60_000 };

export function useAllItems() {
  return useQuery({
    queryKey: queryKeys.items(''),
    queryFn: () => fetchAllPages<ItemDto>('/api/items?active=true'),
    ...LONG,
  });
}

export function useLocations() {
  return useQuery({
    queryKey: queryKeys.locations(),
    queryFn: () => fetchAllPages<LocationDto>('/api/locations'),
    ...LONG,
  });
}

export function useCampaigns() {
  return useQuery({
    queryKey: queryKeys.campaigns(),
    queryFn: () => fetchAllPages<CampaignDto>('/api/campaigns'),
    ...LONG,
  });
}

/** An item's name in the interface language (Russian, then English, when it has none). */
export function useItemName(): (name: TranslatedName | undefined) => string {
  const { i18n } = useTranslation();
  return (name) => {
    if (!name) return '?';
    const language = i18n.language as keyof TranslatedName;
    return name[language] || name.ru || name.en;
  };
}

/**
 * A campaign's, place's or skill's name (or description) in the interface language, Russian when
 * it has no translation; a plain string (older data) as it is.
 */
export function useLocalize(): (text: LocalizedText | string | null | undefined) => string {
  const { i18n } = useTranslation();
  return (text) => localize(text, i18n.language);
}

/** Looks things up by id in a loaded page. */
export function byId<T extends { id: string }>(page: Page<T> | undefined): Map<string, T> {
  return new Map((page?.items ?? []).map((item) => [item.id, item]));
}
