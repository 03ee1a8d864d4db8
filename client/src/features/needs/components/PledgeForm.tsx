import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { wallClock, type PublicCampaignDto, type PublicNeedDto } from '@karavan/shared';
import { ApiRequestError, send } from '../../../lib/http';
import { useItemName, useLocalize } from '../../../lib/catalogue';
import { invalidateEntity } from '../../../lib/writes';
import { formatDate } from '../../../lib/format';
import { useUnitLabel } from '../../../lib/units';

/** The days a donor may choose: today and the next six, on the campaign's clock. */
function pledgeDays(zone: string): string[] {
  const today = wallClock(new Date(), zone).date;
  const start = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: 7 }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

const newKey = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

/**
 * "I will bring it": a pledge without an account. Plain form elements (the page stays light); a
 * field hidden from people catches bots; one Idempotency-Key per filled form, so a double tap or a
 * retry on a bad link makes one pledge.
 */
export function PledgeForm({ campaign, needs }: { campaign: PublicCampaignDto; needs: PublicNeedDto[] }) {
  const { t } = useTranslation('needs');
  const name = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const queryClient = useQueryClient();
  const days = pledgeDays(campaign.timeZone);
  const [itemId, setItemId] = useState(needs[0]!.itemId);
  const need = needs.find((n) => n.itemId === itemId) ?? needs[0]!;
  const [unit, setUnit] = useState(need.baseUnit as string);
  const [quantity, setQuantity] = useState('');
  const [locationId, setLocationId] = useState(campaign.collectionPoints[0]!.id);
  const [day, setDay] = useState(days[0]!);
  const [donor, setDonor] = useState('');
  const [phone, setPhone] = useState('');
  const [consent, setConsent] = useState(false);
  const [website, setWebsite] = useState('');
  const [key, setKey] = useState(newKey);
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'done' | 'error'; message?: string }>({
    kind: 'idle',
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amount = Number(quantity);
    if (!Number.isInteger(amount) || amount < 1) {
      setState({ kind: 'error', message: t('pledge.quantityInvalid') });
      return;
    }
    setState({ kind: 'sending' });
    try {
      await send<{ id: string }>('POST', `/api/public/campaigns/${campaign.id}/pledges`, {
        headers: { 'Idempotency-Key': key },
        body: {
          itemId: need.itemId,
          quantity: amount,
          ...(unit !== need.baseUnit ? { unit } : {}),
          locationId,
          day,
          ...(donor.trim() ? { name: donor.trim() } : {}),
          ...(phone.trim() && consent ? { phone: phone.trim() } : {}),
          consentToContact: consent,
          website,
        },
      });
      setState({ kind: 'done' });
      setKey(newKey());
      setQuantity('');
      void invalidateEntity(queryClient, 'pledges');
    } catch (error) {
      const status = error instanceof ApiRequestError ? error.status : 0;
      const details = error instanceof ApiRequestError ? error.details : undefined;
      const tooMuch = details?.find((d) => d.type === 'pledge.max');
      setState({
        kind: 'error',
        message:
          status === 429
            ? t('pledge.tooMany')
            : tooMuch
              ? t('pledge.tooMuch', {
                  max: units.quantity(Number(/\d+/.exec(tooMuch.message)?.[0] ?? 0), need.baseUnit),
                })
              : status === 422 || status === 409
                ? t('pledge.refused')
                : t('pledge.failed'),
      });
    }
  };

  return (
    <section aria-labelledby="pledge-title" className="pledge">
      <h2 id="pledge-title" className="pledge-title">
        {t('pledge.title')}
      </h2>
      <p className="pledge-hint">{t('pledge.hint')}</p>
      <form onSubmit={(event) => void submit(event)} className="pledge-form" data-testid="pledge-form">
        <label>
          {t('pledge.item')}
          <select
            value={itemId}
            onChange={(e) => {
              setItemId(e.target.value);
              setUnit(needs.find((n) => n.itemId === e.target.value)?.baseUnit ?? '');
            }}
          >
            {needs.map((n) => (
              <option key={n.itemId} value={n.itemId}>
                {name(n.name)}
              </option>
            ))}
          </select>
        </label>
        <div className="pledge-row">
          <label>
            {t('pledge.quantity')}
            <input
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              required
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
            />
          </label>
          <label>
            {t('pledge.unit')}
            <select value={unit} onChange={(e) => setUnit(e.target.value)}>
              {units.choices(need).map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          {t('pledge.point')}
          <select value={locationId} onChange={(e) => setLocationId(e.target.value)}>
            {campaign.collectionPoints.map((point) => (
              <option key={point.id} value={point.id}>
                {localize(point.name)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('pledge.day')}
          <select value={day} onChange={(e) => setDay(e.target.value)}>
            {days.map((d, i) => (
              <option key={d} value={d}>
                {i === 0 ? t('pledge.today') : i === 1 ? t('pledge.tomorrow') : formatDate(`${d}T12:00:00Z`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('pledge.name')}
          <input
            type="text"
            autoComplete="name"
            maxLength={120}
            value={donor}
            onChange={(e) => setDonor(e.target.value)}
          />
        </label>
        <label>
          {t('pledge.phone')}
          <input
            type="tel"
            autoComplete="tel"
            maxLength={30}
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
        </label>
        <label className="pledge-consent">
          <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
          {t('pledge.consent')}
        </label>
        {/* Hidden from people and from screen readers; bots fill it. */}
        <div className="pledge-trap" aria-hidden="true">
          <label>
            Website
            <input
              type="text"
              name="website"
              tabIndex={-1}
              autoComplete="off"
              value={website}
              onChange={(e) => setWebsite(e.target.value)}
            />
          </label>
        </div>
        <button type="submit" className="pledge-submit" disabled={state.kind === 'sending'}>
          {t('pledge.submit')}
        </button>
        <p role="status" className={state.kind === 'error' ? 'pledge-error' : 'pledge-done'}>
          {state.kind === 'done' ? t('pledge.thanks') : state.kind === 'error' ? state.message : ''}
        </p>
      </form>
    </section>
  );
}
