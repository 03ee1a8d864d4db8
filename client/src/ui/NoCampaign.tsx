import { Alert, Button, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCan } from '../lib/current-user';

/**
 * What a screen that needs a running campaign (the dashboard, intake) says when there is none:
 * the next step. An organiser gets "create your first campaign" (or "publish" when drafts wait);
 * others are told who can start one.
 */
export function NoCampaign({ drafts }: { drafts: boolean }) {
  const { t } = useTranslation();
  const canManage = useCan('campaigns:manage');
  return (
    <Alert color="gray" variant="light" data-testid="no-campaign">
      <Stack gap="xs" align="flex-start">
        <Text>
          {drafts ? t('campaigns.onlyDrafts') : canManage ? t('campaigns.noneYet') : t('campaigns.noneYetReader')}
        </Text>
        {canManage && (
          <Button component={Link} to={drafts ? '/campaigns' : '/campaigns?new=1'} data-testid="no-campaign-action">
            {drafts ? t('campaigns.openCampaigns') : t('campaigns.createFirst')}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
