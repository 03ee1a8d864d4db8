import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '@karavan/shared';
import { Field } from '../../../components/Field';
import {
  fieldProblems,
  FormError,
  formMessageKey,
  type FieldProblem,
  type FieldProblems,
  type MessageKey,
} from '../../../components/FormError';
import { useFocusInvalid } from '../../../lib/use-focus-invalid';
import { useSubmit } from '../../../lib/use-submit';
import { changePassword } from '../api/auth.api';

type PasswordField = 'current' | 'next' | 'confirmation';

/** A problem found before asking the server, with the field it concerns. */
class InvalidInput extends Error {
  constructor(
    readonly field: PasswordField,
    readonly key: MessageKey,
  ) {
    super(key);
  }
}

function checkPasswords(current: string, next: string, confirmation: string): void {
  if (!current) throw new InvalidInput('current', 'fieldErrors.required');
  if (next.length < PASSWORD_MIN) throw new InvalidInput('next', 'changePassword.tooShort');
  if (next !== confirmation) throw new InvalidInput('confirmation', 'changePassword.mismatch');
  if (next === current) throw new InvalidInput('next', 'changePassword.sameAsCurrent');
}

const FIELDS = {
  'body.currentPassword': 'current',
  'body.newPassword': 'next',
} as const satisfies Record<string, PasswordField>;

const tooShort: FieldProblem = { key: 'changePassword.tooShort', values: { min: PASSWORD_MIN } };
const SPECIFIC: Partial<Record<PasswordField, Record<string, FieldProblem>>> = {
  current: { 'password.wrong': { key: 'changePassword.currentWrong' } },
  next: {
    'string.min': tooShort,
    'any.invalid': { key: 'changePassword.sameAsCurrent' },
    'password.common': { key: 'changePassword.tooCommon' },
    'password.email': { key: 'changePassword.sameAsEmail' },
  },
};

function problemsOf(error: unknown): FieldProblems<PasswordField> {
  if (error instanceof InvalidInput) return { [error.field]: { key: error.key, values: { min: PASSWORD_MIN } } };
  return fieldProblems(error, FIELDS, SPECIFIC);
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
  const problems = problemsOf(error);
  const message = formMessageKey(error, problems);
  const form = useFocusInvalid(error);
  const say = (field: PasswordField) => problems[field] && t(problems[field].key, problems[field].values);

  return (
    <form
      ref={form}
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
        error={say('current')}
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
        error={say('next')}
        onChange={(event) => setNext(event.target.value)}
      />
      <Field
        label={t('changePassword.confirm')}
        type="password"
        autoComplete="new-password"
        required
        value={confirmation}
        error={say('confirmation')}
        onChange={(event) => setConfirmation(event.target.value)}
      />
      <FormError message={message} />
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
