import { memo, useState } from 'react';
import { SimpleGrid, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QuickSelect } from '../../../ui/QuickSelect';
import { useCampaigns, useLocalize, useLocations } from '../../../lib/catalogue';
import { useRoom } from '../../../lib/realtime/RealtimeProvider';
import { AfterFirstPaint } from '../../../ui/AfterFirstPaint';
import { NoCampaign } from '../../../ui/NoCampaign';
import { OutboxList } from '../../../ui/OutboxList';
import { DonationForm } from './DonationForm';
import { ExpiringHere } from './ExpiringHere';
import { RecentDonations } from './RecentDonations';
import { PledgesDue } from './PledgesDue';

// The page's parts render again only when their own props change, not when the page does (e.g.
// when its live room connects: a whole page's render is a long task on a phone).
const Form = memo(DonationForm);
const Pledges = memo(PledgesDue);
const Expiring = memo(ExpiringHere);
const Recent = memo(RecentDonations);

const LOCATION_KEY = 'karavan.intake.locationId';
const CAMPAIGN_KEY = 'karavan.intake.campaignId';

function useRemembered(key: string): [string | null, (value: string | null) => void] {
  const [value, setValue] = useState<string | null>(() => localStorage.getItem(key));
  return [
    value,
    (next) => {
      if (next) localStorage.setItem(key, next);
      else localStorage.removeItem(key);
      setValue(next);
    },
  ];
}

/** The remembered choice while it is still one of the options; else the only option; else none. */
function preselect(options: { value: string }[], remembered: string | null): string | null {
  if (remembered && options.some((option) => option.value === remembered)) return remembered;
  return options.length === 1 ? options[0]!.value : null;
}

/**
 * A choice made for the volunteer (the last one on this device, or the only one there is), unless
 * they were in the field before the choices came: then they are choosing, and a choice made for
 * them would replace what they are typing. Until they pick or leave the field empty-handed.
 */
function useChoice([remembered, remember]: ReturnType<typeof useRemembered>, options: { value: string }[]) {
  const [choosing, setChoosing] = useState(false);
  return {
    value: choosing ? null : preselect(options, remembered),
    onChange: (value: string | null) => {
      setChoosing(false);
      remember(value);
    },
    onFocus: () => {
      if (options.length === 0) setChoosing(true);
    },
    onBlur: () => setChoosing(false),
  };
}

/** `/intake`: a collection point's donations, fast, with the keyboard, online or not. */
export function IntakePage() {
  const { t } = useTranslation();
  const locations = useLocations();
  const campaigns = useCampaigns();
  const localize = useLocalize();
  const rememberedLocation = useRemembered(LOCATION_KEY);
  const rememberedCampaign = useRemembered(CAMPAIGN_KEY);
  const locationOptions = (locations.data?.items ?? [])
    .filter((location) => location.active && location.kind !== 'checkpoint')
    .map((location) => ({ value: location.id, label: localize(location.name) }));
  const campaignOptions = (campaigns.data?.items ?? [])
    .filter((campaign) => campaign.status === 'active' || campaign.id === rememberedCampaign[0])
    .map((campaign) => ({ value: campaign.id, label: localize(campaign.name) }));
  // The last choice on this device, or the only one there is.
  const locationChoice = useChoice(rememberedLocation, locationOptions);
  const campaignChoice = useChoice(rememberedCampaign, campaignOptions);
  const locationId = locationChoice.value;
  const campaignId = campaignChoice.value;
  const campaign = campaigns.data?.items.find((c) => c.id === campaignId) ?? null;
  const room = useRoom(locationId ? `location:${locationId}` : null);

  return (
    <Stack gap="lg" data-testid="intake" data-room={room.status}>
      <Title order={1} size="h2">
        {t('intake.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <QuickSelect
          label={t('intake.location')}
          placeholder={locations.isPending ? t('app.loading') : t('intake.choose')}
          data={locationOptions}
          {...locationChoice}
          searchable
          allowDeselect={false}
          error={locations.error ? t('common.loadFailed') : undefined}
          data-testid="intake-location"
        />
        <QuickSelect
          label={t('intake.campaign')}
          placeholder={campaigns.isPending ? t('app.loading') : t('intake.choose')}
          data={campaignOptions}
          {...campaignChoice}
          searchable
          allowDeselect={false}
          error={campaigns.error ? t('common.loadFailed') : undefined}
          data-testid="intake-campaign"
        />
      </SimpleGrid>
      {campaigns.data && campaignOptions.length === 0 && (
        <NoCampaign drafts={campaigns.data.items.some((campaign) => campaign.status === 'draft')} />
      )}
      {/* The form is built once the title and the choices are on the screen, and what is below
          it once the form is: three shorter tasks on a phone rather than one long one (a
          volunteer can type as soon as the form shows). */}
      <AfterFirstPaint>
        <Form locationId={locationId} campaignId={campaignId} />
        <AfterFirstPaint>
          {locationId && campaign && (
            <Pledges locationId={locationId} campaignId={campaign.id} timeZone={campaign.timeZone} />
          )}
          {locationId && <Expiring locationId={locationId} />}
          <OutboxList
            filter={(entry) =>
              (entry.meta.kind === 'donation' || entry.meta.kind === 'donationVoid') &&
              entry.meta.locationId === locationId
            }
            describe={(entry) => String(entry.meta.summary ?? '')}
          />
          {locationId && <Recent locationId={locationId} />}
        </AfterFirstPaint>
      </AfterFirstPaint>
    </Stack>
  );
}
