import type { ReactNode } from 'react';
import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * What became of an answer (a confirmation, a refusal, a withdrawal): "saved, will be sent" while
 * it waits in the outbox, "sent" once the server has it; closed by the user only then.
 */
export function AnswerNote({
  testId,
  color,
  sent,
  onDismiss,
  children,
}: {
  testId: string;
  color: string;
  sent: boolean;
  onDismiss: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Alert
      color={color}
      variant="light"
      role="status"
      data-testid={testId}
      data-sent={sent}
      withCloseButton={sent}
      closeButtonLabel={t('common.close')}
      onClose={onDismiss}
      // (a target a thumb finds: 44 px)
      styles={{ closeButton: { minWidth: 44, minHeight: 44 } }}
    >
      {children}
    </Alert>
  );
}
