import { useEffect, useState } from 'react';
import { Alert, Anchor, Box, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { formatLabelCode, parseLabelCode, type LabelLookupDto, type LabelSummary } from '@karavan/shared';
import { LanguageSwitcher } from '../../../components/LanguageSwitcher';
import { request } from '../../../lib/api';
import { formatDateTime, useFormatLanguage } from '../../../lib/format';
import { ApiRequestError } from '../../../lib/http';
import { getRefreshToken, refreshSession, useSession } from '../../../lib/session';
import { useUnitLabel } from '../../../lib/units';
import { checkLabel, type LabelCheck } from '../keys';
import './labels.css';

/** Whether the browser says it has a network (it changes while the page is open). */
function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/**
 * `/l/:code#<summary>.<signature>`: the page every label's QR code opens. What the label says is
 * read from the signed summary after `#` and checked on the device with the deployment's key (no
 * network needed); online and signed in, the server also says whether the shipment changed since
 * printing. Public: a border officer or a receiving team may have no account.
 */
export function LabelPage() {
  const { t } = useTranslation();
  const { code: rawCode = '' } = useParams();
  const { hash } = useLocation();
  const parsed = parseLabelCode(rawCode);
  const code = parsed.ok ? formatLabelCode(parsed.code) : null;
  const online = useOnline();
  const session = useSession();
  const signedIn = session.status === 'signedIn';
  // Opened with no network, the session could not be renewed: it is as soon as the network is back.
  const renew = online && session.status === 'signedOut' && session.reason === 'NETWORK' && !!getRefreshToken();
  useEffect(() => {
    if (renew) refreshSession().catch(() => undefined);
  }, [renew]);
  const payload = hash.length > 1 ? `${window.location.origin}/l/${rawCode}${hash}` : null;

  const lookup = useQuery({
    queryKey: ['label', code],
    queryFn: () => request<LabelLookupDto>('GET', `/api/labels/${encodeURIComponent(code!)}`),
    enabled: code !== null && signedIn && online,
    staleTime: 0, // asked afresh each time a label is opened
    retry: (failures, error) => failures < 2 && !(error instanceof ApiRequestError && !error.transient),
  });
  // What is checked: the QR's own text, else (opened by its code only) the signed text the server keeps.
  const text = payload ?? lookup.data?.qr ?? null;
  const [check, setCheck] = useState<{ text: string; result: LabelCheck } | null>(null);
  useEffect(() => {
    if (!text) return;
    let current = true;
    void checkLabel(text).then((result) => {
      if (current) setCheck({ text, result });
    });
    return () => {
      current = false;
    };
  }, [text]);
  const result = check && check.text === text ? check.result : null;

  let body;
  if (!code) {
    body = <Notice tone="bad" testId="label-bad-code" text={t('labels.badCode')} />;
  } else if (!text) {
    // Opened by its code (typed, or a QR without its summary): only the server can say.
    body = !online ? (
      <Notice tone="warn" testId="label-offline" text={t('labels.offlineNoSummary')} />
    ) : !signedIn ? (
      <Notice tone="warn" testId="label-sign-in" text={t('labels.signIn')} link />
    ) : lookup.isError ? (
      <Notice
        tone="warn"
        testId="label-lookup-failed"
        text={
          lookup.error instanceof ApiRequestError && lookup.error.status === 404
            ? t('labels.notFound')
            : lookup.error instanceof ApiRequestError && lookup.error.status === 403
              ? t('labels.notYours')
              : t('labels.lookupFailed')
        }
      />
    ) : (
      <Checking />
    );
  } else if (!result) {
    body = <Checking />;
  } else if (result.state === 'valid' && result.summary.c === code) {
    body = (
      <>
        <Notice
          tone="good"
          testId="label-valid"
          text={t('labels.valid', { deployment: new URL(result.url, window.location.href).host })}
        />
        {lookup.data?.outdated && <Notice tone="warn" testId="label-outdated" text={t('labels.outdated')} />}
        <Summary summary={result.summary} />
      </>
    );
  } else if (result.state === 'valid' || result.state === 'invalid') {
    // A changed byte, or a genuine summary pasted under another label's code.
    body = <Notice tone="bad" testId="label-invalid" text={t('labels.invalid')} hint={t('labels.invalidHint')} />;
  } else {
    body = (
      <Notice
        tone="warn"
        testId="label-unchecked"
        text={result.state === 'noKey' ? t('labels.noKey') : t('labels.unsupported')}
      />
    );
  }

  return (
    <div className="label-page">
      <Group component="header" className="label-top" justify="space-between" wrap="wrap" gap="xs">
        <Anchor component={Link} to="/" className="label-brand" underline="never">
          {t('app.title')}
        </Anchor>
        <LanguageSwitcher />
      </Group>
      <Box component="main" className="label-main">
        <Stack gap="md">
          <Title order={1} className="label-title">
            {t('labels.title')}
            {code && (
              <span className="label-code" data-testid="label-code">
                {code}
              </span>
            )}
          </Title>
          {body}
        </Stack>
      </Box>
    </div>
  );
}

function Checking() {
  const { t } = useTranslation();
  return (
    <Group gap="sm" role="status">
      <Loader size="sm" />
      <Text size="lg">{t('labels.checking')}</Text>
    </Group>
  );
}

/** A verdict in large type: green when it holds, red (and loud) when it does not, orange otherwise. */
function Notice({
  tone,
  text,
  hint,
  testId,
  link,
}: {
  tone: 'good' | 'bad' | 'warn';
  text: string;
  hint?: string;
  testId: string;
  link?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Alert
      role={tone === 'good' ? 'status' : 'alert'}
      variant="filled"
      color={tone === 'good' ? '#1e6b34' : tone === 'bad' ? 'red.9' : 'orange.9'}
      className={`label-notice label-notice-${tone}`}
      data-testid={testId}
    >
      <Text className="label-verdict" c="white">
        {text}
      </Text>
      {hint && (
        <Text size="lg" c="white">
          {hint}
        </Text>
      )}
      {link && (
        <Anchor component={Link} to="/" c="white" underline="always" size="lg">
          {t('labels.openApp')}
        </Anchor>
      )}
    </Alert>
  );
}

/** What the label says, as signed: what a border officer or a receiving team reads first. */
function Summary({ summary }: { summary: LabelSummary }) {
  const { t } = useTranslation();
  useFormatLanguage();
  const units = useUnitLabel();
  const rows: [string, string, string][] = [
    ['shipment', t('labels.shipment'), summary.s],
    ['destination', t('labels.destination'), summary.d],
    ['issued', t('labels.issuedAt'), formatDateTime(summary.t)],
  ];
  return (
    <Paper withBorder p="md" className="label-summary" data-testid="label-summary">
      <Stack gap="sm">
        <Text className="label-item" data-testid="label-item">
          {summary.i}
        </Text>
        <Text className="label-quantity" data-testid="label-quantity">
          {units.quantity(summary.q, summary.u)}
        </Text>
        <div className="label-expiry" data-testid="label-expiry">
          <Text className="label-field">{t('labels.expiry')}</Text>
          <Text className="label-expiry-date">
            {summary.e ? formatDateTime(summary.e, { dateStyle: 'long', timeZone: 'UTC' }) : t('labels.noExpiry')}
          </Text>
        </div>
        <dl className="label-rows">
          {rows.map(([key, name, value]) => (
            <div key={key} data-testid={`label-${key}`}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </Stack>
    </Paper>
  );
}
