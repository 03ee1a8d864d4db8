import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { byId, useAllItems, useItemName } from '../../../lib/catalogue';
import type { DonationDto } from '../../../lib/contracts';
import { formatDateTime, useFormatLanguage } from '../../../lib/format';
import { errorCode } from '../../../lib/http';
import { useOutbox } from '../../../lib/outbox';
import { useUnitLabel } from '../../../lib/units';
import { Pager } from '../../../ui/Pager';
import { QueryState } from '../../../ui/QueryState';
import { usePagedList } from '../../../ui/usePagedList';
import { openReceipt, RECENT_LIMIT, useRecentDonations, voidDonation } from '../api/intake.api';
import { TEXT_MAX } from '@karavan/shared';

/** The latest donations of the collection point, newest first, with receipt and void. */
export function RecentDonations({ locationId }: { locationId: string }) {
  const { t } = useTranslation();
  useFormatLanguage();
  const paging = usePagedList(locationId, RECENT_LIMIT);
  const donations = useRecentDonations(locationId, paging.offset);
  const items = byId(useAllItems().data);
  const itemName = useItemName();
  const units = useUnitLabel();
  const { entries } = useOutbox();
  const [voiding, setVoiding] = useState<DonationDto | null>(null);
  const [receiptError, setReceiptError] = useState<string | null>(null);
  const voidsWaiting = new Set(
    entries.filter((entry) => entry.meta.kind === 'donationVoid').map((entry) => String(entry.meta.donationId)),
  );

  const describe = (donation: DonationDto) =>
    donation.lines
      .map((line) => {
        const item = items.get(line.itemId);
        return `${itemName(item?.name)} — ${units.quantity(line.quantity, item?.baseUnit ?? 'piece')}`;
      })
      .join('; ');

  async function printReceipt(donation: DonationDto) {
    setReceiptError(null);
    // Opened now, while the click still counts as the user's: pop-up blockers allow it.
    const target = window.open('', '_blank');
    try {
      await openReceipt(donation.id, target);
    } catch (error) {
      setReceiptError(t(`errors.${errorCode(error)}`, { defaultValue: t('errors.INTERNAL') }));
    }
  }

  return (
    <Stack gap="sm" component="section" aria-labelledby="recent-title">
      <Title order={2} size="h3" id="recent-title">
        {t('intake.recent')}
      </Title>
      {receiptError && (
        <Alert
          color="red"
          variant="light"
          role="alert"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => setReceiptError(null)}
        >
          {receiptError}
        </Alert>
      )}
      <QueryState query={donations}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('intake.noneYet')}</Text>
          ) : (
            <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} data-testid="recent-donations">
              {page.items.map((donation) => (
                <Paper key={donation.id} component="li" withBorder p="sm" data-testid="donation-row">
                  <Group justify="space-between" wrap="wrap" gap="xs">
                    <Stack gap={2}>
                      <Text fw={600} td={donation.voided ? 'line-through' : undefined}>
                        {describe(donation)}
                      </Text>
                      <Text size="sm" c="dimmed">
                        {formatDateTime(donation.receivedAt)} ·{' '}
                        {donation.donor.kind === 'anonymous' || !donation.donor.name
                          ? t(`intake.donorKinds.${donation.donor.kind}`)
                          : donation.donor.name}
                      </Text>
                      {donation.voided && (
                        <Text size="sm" c="red.9">
                          {t('intake.voidedBecause', { reason: donation.voided.reason })}
                        </Text>
                      )}
                    </Stack>
                    <Group gap="xs">
                      {donation.voided ? (
                        <Badge color="red.9" variant="filled">
                          {t('intake.voided')}
                        </Badge>
                      ) : voidsWaiting.has(donation.id) ? (
                        <Badge color="yellow" variant="filled" autoContrast>
                          {t('intake.voidWaiting')}
                        </Badge>
                      ) : (
                        <>
                          <Button variant="default" size="sm" onClick={() => void printReceipt(donation)}>
                            {t('intake.receipt')}
                          </Button>
                          <Button variant="subtle" color="red" c="red.9" size="sm" onClick={() => setVoiding(donation)}>
                            {t('intake.void')}
                          </Button>
                        </>
                      )}
                    </Group>
                  </Group>
                </Paper>
              ))}
            </Stack>
          )
        }
      </QueryState>
      <Pager page={donations.data} onOffset={paging.setOffset} approximate label={t('intake.recent')} />
      <VoidDialog donation={voiding} summary={voiding ? describe(voiding) : ''} onClose={() => setVoiding(null)} />
    </Stack>
  );
}

function VoidDialog({
  donation,
  summary,
  onClose,
}: {
  donation: DonationDto | null;
  summary: string;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    if (!donation) return;
    if (reason.trim().length < 3) {
      setError(t('intake.errors.voidReason'));
      return;
    }
    await voidDonation(donation, reason.trim(), t('intake.voidSummary', { summary }));
    setReason('');
    setError(null);
    onClose();
  }

  return (
    <Modal
      opened={donation !== null}
      onClose={onClose}
      title={t('intake.voidTitle')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
      centered
    >
      <Stack>
        <Text>{summary}</Text>
        <Textarea
          label={t('intake.voidReason')}
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
          error={error}
          autosize
          minRows={2}
          maxLength={TEXT_MAX.voidReason}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button color="red.9" onClick={() => void confirm()}>
            {t('intake.voidConfirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
