import { Alert, Anchor, Button, Loader, Modal, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { request } from '../../../lib/api';

interface LinkCode {
  code: string;
  expiresAt: string;
  bot: string | null;
  link: string | null;
}

/**
 * Links the user's Telegram account (issue 21): a one-time code from the server, to send to the
 * bot (or a link that opens the bot with it). A new code each time the window opens.
 */
export function TelegramLink({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const code = useMutation({ mutationFn: () => request<LinkCode>('POST', '/api/channels/telegram/link-code') });
  const { mutate } = code;
  // A fresh code each time the window opens (the server forgets the one before).
  useEffect(() => {
    if (opened) mutate();
  }, [opened, mutate]);
  return (
    <Modal opened={opened} onClose={onClose} title={t('telegram.title')}>
      <Stack gap="sm">
        <Text>{t('telegram.intro')}</Text>
        {code.isPending && (
          <Text role="status">
            <Loader size="xs" mr="xs" />
            {t('telegram.loading')}
          </Text>
        )}
        {code.isError && (
          <Alert color="orange" role="alert">
            {t('telegram.failed')}
          </Alert>
        )}
        {code.data && (
          <>
            <Text>{t('telegram.send')}</Text>
            <Text
              component="code"
              fz={28}
              fw={700}
              ta="center"
              data-testid="telegram-code"
            >{`/link ${code.data.code}`}</Text>
            {code.data.link && (
              <Button component="a" href={code.data.link} target="_blank" rel="noopener noreferrer" size="md">
                {t('telegram.open')}
              </Button>
            )}
            {code.data.bot && <Anchor href={`https://t.me/${code.data.bot}`}>@{code.data.bot}</Anchor>}
          </>
        )}
        <Button variant="default" onClick={onClose} size="md">
          {t('telegram.close')}
        </Button>
      </Stack>
    </Modal>
  );
}
