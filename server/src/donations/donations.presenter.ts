import type { DonationDto, DonorKind, Locale } from '@karavan/shared';
import type { DonationDoc } from './donations.model';

export function presentDonation(d: DonationDoc): DonationDto {
  return {
    id: d._id,
    campaignId: d.campaignId,
    locationId: d.locationId,
    receivedAt: d.receivedAt.toISOString(),
    receivedBy: d.receivedBy,
    donor: {
      kind: d.donor.kind as DonorKind,
      name: d.donor.name ?? null,
      phone: d.donor.phone ?? null,
      consentToContact: d.donor.consentToContact ?? false,
      ...(d.donor.locale ? { locale: d.donor.locale as Locale } : {}),
    },
    lines: d.lines.map((l) => ({
      itemId: l.itemId,
      quantity: l.quantity,
      lotId: l.lotId,
      expiresAt: l.expiresAt ? l.expiresAt.toISOString() : null,
    })),
    note: d.note ?? null,
    voided: d.voided ? { at: d.voided.at.toISOString(), by: d.voided.by, reason: d.voided.reason } : null,
    createdAt: d.createdAt.toISOString(),
  };
}
