import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '@karavan/shared';
import { Field } from '../../../components/Field';
import { errorMessageKey, FormError, type MessageKey } from '../../../components/FormError';
import { useSubmit } from '../../../lib/use-submit';
import { changePassword } from '../api/auth.api';

class InvalidInput extends Error {
  constructor(readonly key: MessageKey) {
    super(key);
  }
}

function checkPasswords(current: string, next: string, confirmation: string): void {
  if (next.length < PASSWORD_MIN) throw new InvalidInput('changePassword.tooShort');
  if (next !== confirmation) throw new InvalidInput('changePassword.mismatch');
  if (next === current) throw new InvalidInput('changePassword.sameAsCurrent');
}

function messageFor(error: unknown): MessageKey | undefined {
  if (error === undefined) return undefined;
  if (error instanceof InvalidInput) return error.key;
  return errorMessageKey(error, { 'body.currentPassword': 'changePassword.currentWrong' });
}

/** Asked for before anything else while the user's password was set by somebody else. */
export function ChangePasswordForm({ email, onSignOut }: { email: string; onSignOut(): void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const { submitting, error, onSubmit } = useSubmit(async () => {
    checkPasswords(current, next, confirmation);
    await changePassword(current, next);
  });
  const message = messageFor(error);

  return (
    <form
      className="card"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="change-password-title"
      data-testid="change-password-form"
    >
      <h1 id="change-password-title">{t('changePassword.title')}</h1>
      <p>{t('changePassword.intro')}</p>
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      <Field
        label={t('changePassword.current')}
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(event) => setCurrent(event.target.value)}
      />
      <Field
        label={t('changePassword.new')}
        hint={t('changePassword.hint', { min: PASSWORD_MIN })}
        type="password"
        autoComplete="new-password"
        required
        minLength={PASSWORD_MIN}
        value={next}
        onChange={(event) => setNext(event.target.value)}
      />
      <Field
        label={t('changePassword.confirm')}
        type="password"
        autoComplete="new-password"
        required
        value={confirmation}
        onChange={(event) => setConfirmation(event.target.value)}
      />
      <FormError message={message} values={{ min: PASSWORD_MIN }} />
      <div className="actions">
        <button type="submit" disabled={submitting}>
          {submitting ? t('changePassword.submitting') : t('changePassword.submit')}
        </button>
        <button type="button" className="secondary" onClick={onSignOut}>
          {t('changePassword.signOut')}
        </button>
      </div>
    </form>
  );
}
