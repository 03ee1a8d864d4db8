import { useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { wallClock, type Page, type PledgeDto } from '@karavan/shared';
import { request } from '../../../lib/api';
import { byId, useAllItems, useItemName } from '../../../lib/catalogue';
import type { DonationDto } from '../../../lib/contracts';
import { useUnitLabel } from '../../../lib/units';
import { invalidateEntity } from '../../../lib/writes';

/**
 * The pledges due today at this point (campaign clock), each turned into a donation in one
 * action: the donation of what is still pledged is recorded, then the pledge is fulfilled with
 * it. Both carry an Idempotency-Key made from the pledge, so a second tap or a retry after a lost
 * answer records nothing twice. Online only (the pledge list itself needs the server).
 */
export function PledgesDue({
  locationId,
  campaignId,
  timeZone,
}: {
  locationId: string;
  campaignId: string;
  timeZone: string;
}) {
  const { t } = useTranslation();
  const day = wallClock(new Date(), timeZone).date;
  const queryClient = useQueryClient();
  const key = ['pledges', campaignId, locationId, day];
  const pledges = useQuery({
    queryKey: key,
    queryFn: () =>
      request<Page<PledgeDto>>(
        'GET',
        `/api/pledges?${new URLSearchParams({ campaignId, locationId, day, status: 'open', limit: '100' })}`,
      ),
    refetchInterval: 60_000,
  });
  const items = useAllItems();
  const itemsById = byId(items.data);
  const name = useItemName();
  const units = useUnitLabel();
  const [busy, setBusy] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  const receive = async (pledge: PledgeDto) => {
    setBusy(pledge.id);
    setFailed(null);
    try {
      const attempt = `pledge-${pledge.id}-${pledge.fulfilled}`;
      const donation = await request<DonationDto>(
        'POST',
        '/api/donations',
        {
          campaignId,
          locationId,
          donor: pledge.contact?.name
            ? {
                kind: 'person',
                name: pledge.contact.name,
                ...(pledge.contact.phone ? { phone: pledge.contact.phone, consentToContact: true } : {}),
              }
            : { kind: 'anonymous' },
          lines: [{ itemId: pledge.itemId, quantity: pledge.remaining }],
          note: t('intake.pledges.note'),
        },
        { 'Idempotency-Key': `${attempt}-donation` },
      );
      await request(
        'POST',
        `/api/pledges/${pledge.id}/fulfil`,
        { donationId: donation.id },
        {
          'Idempotency-Key': `${attempt}-fulfil`,
        },
      );
      // A donation was recorded and a pledge fulfilled.
      await Promise.all([invalidateEntity(queryClient, 'donations'), invalidateEntity(queryClient, 'pledges')]);
    } catch {
      setFailed(pledge.id);
    } finally {
      setBusy(null);
    }
  };

  const list = pledges.data?.items ?? [];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="pledges-due" data-testid="pledges-due">
      <Title order={2} size="h3" id="pledges-due" mb="xs">
        {t('intake.pledges.title')}
      </Title>
      {pledges.error ? (
        <Text c="red.8">{t('common.loadFailed')}</Text>
      ) : list.length === 0 ? (
        <Text c="dimmed">{pledges.isPending ? t('app.loading') : t('intake.pledges.none')}</Text>
      ) : (
        <Stack component="ul" gap="xs" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {list.map((pledge) => {
            const item = itemsById.get(pledge.itemId);
            const what = `${item ? name(item.name) : '…'}: ${units.quantity(pledge.remaining, item?.baseUnit ?? '')}`;
            return (
              <Group
                component="li"
                key={pledge.id}
                justify="space-between"
                wrap="wrap"
                gap="xs"
                data-pledge={pledge.id}
              >
                <div>
                  <Text fw={700}>{what}</Text>
                  <Text size="sm">
                    {[pledge.contact?.name, pledge.contact?.phone].filter(Boolean).join(', ') ||
                      t('intake.pledges.anonymous')}
                    {pledge.fulfilled > 0 && ` · ${t('intake.pledges.partly', { count: pledge.fulfilled })}`}
                  </Text>
                </div>
                <Button
                  loading={busy === pledge.id}
                  onClick={() => void receive(pledge)}
                  aria-label={`${t('intake.pledges.receive')}: ${what}`}
                >
                  {t('intake.pledges.receive')}
                </Button>
                {failed === pledge.id && (
                  <Alert color="red" variant="light" role="alert" w="100%">
                    {t('intake.pledges.failed')}
                  </Alert>
                )}
              </Group>
            );
          })}
        </Stack>
      )}
    </Paper>
  );
}
