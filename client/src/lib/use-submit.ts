import { useState, type FormEvent } from 'react';

/**
 * Runs a form's action on submit: `submitting` while it runs, `error` holds what it threw.
 * On success nothing is reset: the form is expected to give way to the next screen.
 */
export function useSubmit(action: () => Promise<void>) {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
      setSubmitting(false);
    }
  }

  return { submitting, error, onSubmit };
}
