import Joi from 'joi';
import { knownTimeZones, WEEKDAYS, type OpeningInterval, type Weekday, type WeeklyHours } from './hours';
import { CLOSING_TIME, OPENING_TIME } from './rules';

/**
 * An IANA time zone name in its canonical spelling, e.g. `Asia/Bishkek`: one of the runtime's
 * list, so that the OpenAPI document states exactly what is accepted (an enum).
 */
export const timeZone = () =>
  Joi.string()
    .valid(...knownTimeZones())
    .messages({ 'any.only': '{{#label}} must be an IANA time zone such as Asia/Bishkek' });

const interval = () =>
  Joi.object<OpeningInterval, true>({
    opens: Joi.string().pattern(OPENING_TIME, 'HH:MM').required(),
    closes: Joi.string().pattern(CLOSING_TIME, 'HH:MM').required(),
  });

/** A week of opening hours as a request gives it: a day left out is closed. */
export const weeklyHours = () =>
  Joi.object<Partial<WeeklyHours>, true>(
    Object.fromEntries(WEEKDAYS.map((day) => [day, Joi.array().items(interval()).max(4)])) as Record<
      Weekday,
      Joi.ArraySchema
    >,
  );

export const weeklyHoursDto = () =>
  Joi.object(
    Object.fromEntries(
      WEEKDAYS.map((day) => [
        day,
        Joi.array()
          .items(Joi.object({ opens: Joi.string().required(), closes: Joi.string().required() }))
          .required(),
      ]),
    ),
  );
