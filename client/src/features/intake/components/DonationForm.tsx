import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Grid,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Text,
  TextInput,
  type ComboboxItem,
  type OptionsFilter,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { QuickSelect } from '../../../ui/QuickSelect';
import { useFirstFocus } from '../../../lib/use-first-focus';
import { LOCALES, TEXT_MAX } from '@karavan/shared';
import { byId, useAllItems, useItemName } from '../../../lib/catalogue';
import type { DonorKind } from '../../../lib/contracts';
import { formatDateTime, textOrder } from '../../../lib/format';
import { useQuantityReader } from '../../../lib/quantity';
import { ChoiceGroup } from '../../../ui/ChoiceGroup';
import { useUnitLabel } from '../../../lib/units';
import { onOutboxSent, useOutbox } from '../../../lib/outbox';
import { recordDonation, useItemSearch } from '../api/intake.api';
import {
  baseTotal,
  defaultExpiry,
  donationRequest,
  EMPTY_DONATION,
  lineProblems,
  matchesItem,
  phoneProblem,
  type DonationField as FieldError,
  type DonationValues,
  type DonationLine as Line,
} from '../donation';

/** The donor kinds in the order the form offers them (most donations are anonymous). */
const DONOR_CHOICES: DonorKind[] = ['anonymous', 'person', 'organisation'];

/**
 * The donation form: item (search as you type), quantity in any of its units with the total in
 * base units, expiry from the shelf life, optional donor. Enter records it (into the outbox:
 * it reaches the server now or later, once) and puts the cursor back on the item.
 */
export function DonationForm({ locationId, campaignId }: { locationId: string | null; campaignId: string | null }) {
  const { t, i18n } = useTranslation();
  const itemName = useItemName();
  const units = useUnitLabel();
  const allItems = useAllItems();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 200);
  const searched = useItemSearch(debounced);

  // The donation being typed, kept by @mantine/form: the lines so far, the line in the fields, the donor.
  const form = useForm<DonationValues>({ mode: 'controlled', initialValues: EMPTY_DONATION });
  const { lines, itemId, quantity, unit, expires, expiresSet, donorKind, donorName, donorPhone, consent } = form.values;
  const errors = form.errors as Partial<Record<FieldError, string>>;
  const setErrors = (found: Partial<Record<FieldError, string>>) => form.setErrors(found);
  const set = form.setFieldValue;
  /** The last donation recorded here: its outbox entry, and whether the server has it yet. */
  const [saved, setSaved] = useState<{ summary: string; entryId: string; sent: boolean } | null>(null);
  const [saving, setSaving] = useState(false);
  const [expiryOpen, setExpiryOpen] = useState(false);
  const [listOpen, setListOpen] = useState(false);
  // Focus goes back to the item after each donation without opening its list over the form.
  const quietFocus = useRef(false);
  const sentIds = useRef(new Set<string>());
  const outboxState = useOutbox();
  const waiting = outboxState.entries.filter(
    (entry) => entry.meta.kind === 'donation' && entry.meta.locationId === locationId,
  );
  const refused = saved ? outboxState.entries.find((entry) => entry.id === saved.entryId)?.needsAttention : false;
  useEffect(
    () =>
      onOutboxSent((id) => {
        sentIds.current.add(id);
        setSaved((current) => (current?.entryId === id ? { ...current, sent: true } : current));
      }),
    [],
  );
  const itemRef = useRef<HTMLInputElement>(null);
  const quantityRef = useRef<HTMLInputElement>(null);
  // The item field has the focus from the start, once the form is on the screen, without opening
  // its list (as after a donation): the list opens as the volunteer types. Opened at once, the
  // list of every item was built and placed in the page's first task, the longest on a phone.
  // Not when the volunteer is already typing in the point or campaign field above.
  useFirstFocus(itemRef, (field) => {
    quietFocus.current = true;
    field.focus();
    quietFocus.current = false;
  });

  const items = useMemo(() => {
    const map = byId(allItems.data);
    for (const item of searched.data?.items ?? []) map.set(item.id, item);
    return map;
  }, [allItems.data, searched.data]);
  const item = itemId ? items.get(itemId) : undefined;
  const options = useMemo(
    () => {
      const order = textOrder(i18n.language);
      return [...items.values()]
        .filter((candidate) => candidate.active)
        .map((candidate) => ({ value: candidate.id, label: itemName(candidate.name) }))
        .sort((a, b) => order(a.label, b.label));
    },
    // itemName follows the language
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [items, i18n.language],
  );
  // Matches any of the item's names, so that "молоко" and "milk" both find milk.
  const filter: OptionsFilter = ({ options: all, search: typed }) => {
    if (!typed.trim()) return all;
    return (all as ComboboxItem[]).filter((option) =>
      matchesItem(items.get(option.value)?.name ?? {}, option.label, typed),
    );
  };

  const readQuantity = useQuantityReader();
  const reading = readQuantity(quantity, { unit: unit || item?.baseUnit, hasPacks: Boolean(item?.packs.length) });
  const amount = reading.value ?? Number.NaN;
  const total = baseTotal(item, amount, unit);

  function chooseItem(id: string | null) {
    set('itemId', id);
    const chosen = id ? items.get(id) : undefined;
    set('unit', chosen?.baseUnit ?? '');
    set('expires', chosen ? defaultExpiry(chosen) : '');
    set('expiresSet', false);
    setExpiryOpen(false);
    form.clearFieldError('item');
    // At once, in the same keystroke: digits typed right after Enter go to the quantity.
    if (chosen) quantityRef.current?.focus();
  }

  /** The line being typed, or the errors that keep it from being one. */
  function currentLine(): Line | Partial<Record<FieldError, string>> {
    const found: Partial<Record<FieldError, string>> = {};
    for (const [field, key] of Object.entries(lineProblems(item, amount, expires)))
      found[field as FieldError] = t(key as 'intake.errors.item');
    // What the quantity field allows, in words ("Only whole litres, no fractions"): nothing typed is changed.
    if (reading.error) found.quantity = reading.error;
    if (!item || Object.keys(found).length > 0) return found;
    return { item, quantity: amount, unit: unit || item.baseUnit, expires, expiresSet };
  }

  function resetLine() {
    set('itemId', null);
    setSearch('');
    set('quantity', '');
    set('unit', '');
    set('expires', '');
    set('expiresSet', false);
    setExpiryOpen(false);
    quietFocus.current = true;
    itemRef.current?.focus();
    quietFocus.current = false;
  }

  function addLine() {
    const line = currentLine();
    if (!('item' in line) || typeof line.item !== 'object') {
      setErrors(line as Partial<Record<FieldError, string>>);
      return;
    }
    set('lines', (current) => [...current, line as Line]);
    setErrors({});
    resetLine();
  }

  function describe(line: Line): string {
    return `${itemName(line.item.name)} — ${units.quantity(line.quantity, line.unit)}`;
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: Partial<Record<FieldError, string>> = {};
    if (!locationId || !campaignId) found.place = t('intake.errors.place');
    const typed = currentLine();
    const typing = Boolean(item) || quantity !== '';
    const all = [...lines];
    if ('item' in typed && typeof typed.item === 'object') all.push(typed as Line);
    else if (typing || lines.length === 0) Object.assign(found, typed);
    if (phoneProblem(donorKind, donorPhone).phone) found.phone = t('intake.errors.phone');
    setErrors(found);
    if (Object.keys(found).length > 0 || all.length === 0 || !locationId || !campaignId) {
      if (found.item || (!found.quantity && !found.expires)) itemRef.current?.focus();
      else if (found.quantity) quantityRef.current?.focus();
      return;
    }

    // The receipt is printed in the language the coordinator works in.
    const donor = { kind: donorKind, name: donorName, phone: donorPhone, consent };
    const body = donationRequest({
      campaignId,
      locationId,
      receivedAt: new Date(),
      lines: all,
      donor,
      locale: LOCALES.find((candidate) => candidate === i18n.language),
    });
    const summary = all.map(describe).join('; ');
    // Ready for the next donation at once; the one just typed is stored in the background.
    set('lines', []);
    set('donorKind', 'anonymous');
    set('donorName', '');
    set('donorPhone', '');
    set('consent', false);
    resetLine();
    setSaving(true);
    try {
      const entry = await recordDonation(body, summary);
      // "Recorded" only once the server has it; until then it is saved on this device.
      setSaved({ summary, entryId: entry.id, sent: sentIds.current.has(entry.id) });
    } catch {
      // Could not be stored on the device: nothing typed is lost, it is all back in the form.
      set('lines', all);
      set('donorKind', donor.kind);
      set('donorName', donor.name);
      set('donorPhone', donor.phone);
      set('consent', donor.consent);
      setErrors({ item: t('intake.errors.storage') });
    } finally {
      setSaving(false);
    }
  }

  const unitChoices = item ? units.choices(item) : [];

  return (
    <Paper withBorder p="md" component="form" onSubmit={onSubmit} noValidate aria-labelledby="donation-form-title">
      <Stack gap="md">
        <Text id="donation-form-title" fw={700} size="lg">
          {t('intake.newDonation')}
        </Text>
        {errors.place && (
          <Alert color="red" variant="light" role="alert">
            {errors.place}
          </Alert>
        )}
        {lines.length > 0 && (
          <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label={t('intake.lines')}>
            {lines.map((line, index) => (
              <Group key={index} component="li" justify="space-between" wrap="nowrap">
                <Text>{describe(line)}</Text>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  c="red.9"
                  size="lg"
                  aria-label={t('intake.removeLine', { line: describe(line) })}
                  onClick={() => set('lines', (current) => current.filter((_, other) => other !== index))}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
          </Stack>
        )}
        <Grid gap="sm">
          <Grid.Col span={{ base: 12, sm: item?.perishable ? 4 : 6 }}>
            <QuickSelect
              ref={itemRef}
              label={t('intake.item')}
              placeholder={t('intake.itemPlaceholder')}
              data={options}
              value={itemId}
              onChange={chooseItem}
              searchable
              searchValue={search}
              onSearchChange={setSearch}
              filter={filter}
              clearable
              // "Nothing found" is said under the field, not as a list without options (a listbox
              // must hold options: axe's aria-required-children).
              description={
                allItems.isPending
                  ? t('app.loading')
                  : search.trim() &&
                      !itemId &&
                      options.every((o) => !matchesItem(items.get(o.value)?.name ?? {}, o.label, search))
                    ? t('common.nothingFound')
                    : undefined
              }
              error={errors.item}
              dropdownOpened={listOpen}
              onDropdownOpen={() => {
                if (!quietFocus.current) setListOpen(true);
              }}
              onDropdownClose={() => setListOpen(false)}
              data-testid="intake-item"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: item?.perishable ? 2 : 3 }}>
            <TextInput
              ref={quantityRef}
              label={t('intake.quantity')}
              value={quantity}
              onChange={(event) => {
                set('quantity', event.currentTarget.value);
              }}
              inputMode="numeric"
              autoComplete="off"
              error={errors.quantity}
              data-testid="intake-quantity"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: item?.perishable ? 3 : 3 }}>
            <NativeSelect
              label={t('intake.unit')}
              data={unitChoices.length ? unitChoices : [{ value: '', label: '—' }]}
              value={unit}
              onChange={(event) => set('unit', event.currentTarget.value)}
              // Enter records the donation from here too, as from every other field.
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  event.currentTarget.form?.requestSubmit();
                }
              }}
              disabled={!item}
              size="md"
              data-testid="intake-unit"
            />
          </Grid.Col>
          {item?.perishable && (
            <Grid.Col span={{ base: 12, sm: 3 }}>
              {expiryOpen || errors.expires ? (
                <TextInput
                  type="datetime-local"
                  label={t('intake.expires')}
                  value={expires}
                  onChange={(event) => {
                    set('expires', event.currentTarget.value);
                    set('expiresSet', true);
                  }}
                  error={errors.expires}
                  autoFocus={expiryOpen}
                  data-testid="intake-expires"
                />
              ) : (
                // The expiry from the shelf life, one tab stop: its date fields open only to change it.
                <Stack gap={2}>
                  <Text size="sm" fw={500} id="intake-expires-label">
                    {t('intake.expires')}
                  </Text>
                  <Group gap="xs" wrap="nowrap">
                    <Text size="sm" data-testid="intake-expires-value">
                      {expires ? formatDateTime(new Date(expires)) : '—'}
                    </Text>
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      aria-describedby="intake-expires-label"
                      onClick={() => setExpiryOpen(true)}
                      data-testid="intake-expires-change"
                    >
                      {t('intake.changeExpiry')}
                    </Button>
                  </Group>
                </Stack>
              )}
            </Grid.Col>
          )}
        </Grid>
        <Text aria-live="polite" c={total === undefined ? 'dimmed' : undefined} data-testid="intake-total">
          {item && total !== undefined
            ? t('intake.total', { total: units.quantity(total, item.baseUnit) })
            : t('intake.totalHint')}
        </Text>
        <Group>
          <Button variant="default" onClick={addLine}>
            {t('intake.addLine')}
          </Button>
        </Group>

        <Stack gap="xs">
          <Text fw={600} id="donor-label">
            {t('intake.donor')}
          </Text>
          <ChoiceGroup
            labelledBy="donor-label"
            value={donorKind}
            onChange={(value) => set('donorKind', value)}
            data={DONOR_CHOICES.map((kind) => ({ value: kind, label: t(`intake.donorKinds.${kind}`) }))}
            testId="intake-donor-kind"
          />
          {donorKind !== 'anonymous' && (
            <Grid gap="sm">
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label={t('intake.donorName')}
                  value={donorName}
                  onChange={(event) => set('donorName', event.currentTarget.value)}
                  maxLength={TEXT_MAX.name}
                  autoComplete="off"
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label={t('intake.donorPhone')}
                  type="tel"
                  inputMode="tel"
                  value={donorPhone}
                  onChange={(event) => set('donorPhone', event.currentTarget.value)}
                  error={errors.phone}
                  autoComplete="off"
                />
              </Grid.Col>
              {donorPhone.trim() && (
                <Grid.Col span={12}>
                  <Checkbox
                    label={t('intake.consent')}
                    description={t('intake.consentHint')}
                    checked={consent}
                    onChange={(event) => set('consent', event.currentTarget.checked)}
                  />
                </Grid.Col>
              )}
            </Grid>
          )}
        </Stack>

        <Button type="submit" size="lg" loading={saving} data-testid="intake-submit">
          {t('intake.submit')}
        </Button>
        <Text
          role="status"
          aria-live="polite"
          className={
            saved ? `intake-saved intake-saved-${saved.sent ? 'recorded' : refused ? 'refused' : 'waiting'}` : undefined
          }
          fw={600}
          data-testid="intake-saved"
          data-state={saved ? (saved.sent ? 'recorded' : refused ? 'refused' : 'waiting') : undefined}
        >
          {saved &&
            (saved.sent
              ? t('intake.saved', { summary: saved.summary })
              : refused
                ? t('intake.savedRefused', { summary: saved.summary })
                : t('intake.savedOffline', { summary: saved.summary, count: waiting.length }))}
        </Text>
      </Stack>
    </Paper>
  );
}
