import { builder } from './builder.ts';

export const MessagePayload = builder.objectRef<{ message: string }>('MessagePayload').implement({
  description: 'The answer of an operation that returns nothing else.',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What happened, in English, e.g. "logout successful!".' }) }),
});
