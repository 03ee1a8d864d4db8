import { useEffect, useState } from 'react';
import { Alert, Button, Group, Image, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { request } from '../../../lib/api';
import type { ShipmentDto } from '@karavan/shared';
import { useCurrentUser } from '../../../lib/current-user';
import { errorCode } from '../../../lib/http';
import { queryKeys } from '../../../lib/realtime/cache';
import { getAccessToken } from '../../../lib/session';
import { SIGNATURE_HEIGHT, SIGNATURE_WIDTH } from './SignaturePad';

/** A photo fetched with the caller's token (the route is not public) and shown from a blob. */
function Photo({ shipmentId, photoId, alt }: { shipmentId: string; photoId: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    // As a data: URL (the page's Content-Security-Policy allows images from 'self' and data: only).
    void fetch(`/api/shipments/${encodeURIComponent(shipmentId)}/photos/${encodeURIComponent(photoId)}`, {
      headers: { Authorization: `Bearer ${getAccessToken() ?? ''}` },
    })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then(
        (blob) =>
          new Promise<string>((resolve, reject) => {
            const reader = new FileReader();
            reader.onload = () => resolve(String(reader.result));
            reader.onerror = () => reject(new Error('read'));
            reader.readAsDataURL(blob);
          }),
      )
      .then((data) => {
        if (!gone) setUrl(data);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
    };
  }, [shipmentId, photoId]);
  return url ? <Image src={url} alt={alt} radius="sm" h={120} fit="cover" /> : null;
}

/**
 * The proof of delivery as the sender sees it, live: who received it, the signature drawn on the
 * driver's phone, the crates scanned, the receiver's own confirmation (a button for somebody who
 * works at the destination) and the photos.
 */
export function ProofPanel({
  shipment,
}: {
  shipment: Pick<ShipmentDto, 'id' | 'status' | 'destinationId' | 'receiver' | 'scannedLabels' | 'receipt' | 'photos'>;
}) {
  const { t } = useTranslation();
  const { user } = useCurrentUser();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (shipment.status !== 'delivered' && shipment.photos.length === 0) return null;
  const mayConfirm =
    shipment.status === 'delivered' && !shipment.receipt && (user.locationIds ?? []).includes(shipment.destinationId);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await request('POST', `/api/shipments/${encodeURIComponent(shipment.id)}/receipt`, {});
      await queryClient.invalidateQueries({ queryKey: queryKeys.shipment(shipment.id) });
    } catch (err) {
      setError(t(`errors.${errorCode(err)}`, { defaultValue: t('errors.INTERNAL') }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" aria-labelledby="proof-title" data-testid="proof-panel">
      <Stack gap="sm">
        <Title order={2} size="h4" id="proof-title">
          {t('pod.proofTitle')}
        </Title>
        {shipment.receiver && <Text>{t('pod.receivedByName', { name: shipment.receiver.name })}</Text>}
        {shipment.receiver?.signature && (
          <svg
            viewBox={`0 0 ${SIGNATURE_WIDTH} ${SIGNATURE_HEIGHT}`}
            role="img"
            aria-label={t('pod.signature')}
            style={{ width: 240, maxWidth: '100%', border: '1px solid #ced4da', borderRadius: 4 }}
            data-testid="proof-signature"
          >
            <path
              d={shipment.receiver.signature}
              fill="none"
              stroke="#1a237e"
              strokeWidth={2.5}
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        )}
        {shipment.scannedLabels.length > 0 && (
          <Text>{t('pod.scannedCount', { count: shipment.scannedLabels.length })}</Text>
        )}
        {shipment.receipt ? (
          <Text data-testid="proof-receipt">{t('pod.receiptBy', { name: shipment.receipt.name })}</Text>
        ) : (
          mayConfirm && (
            <Group>
              <Button onClick={() => void confirm()} loading={busy} data-testid="confirm-receipt">
                {t('pod.confirmReceipt')}
              </Button>
            </Group>
          )
        )}
        {error && (
          <Alert color="red.9" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Text>{t('pod.photos', { count: shipment.photos.length })}</Text>
        {shipment.photos.length > 0 && (
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            {shipment.photos.map((p, i) => (
              <Photo key={p.id} shipmentId={shipment.id} photoId={p.id} alt={t('pod.photoAlt', { n: i + 1 })} />
            ))}
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}
