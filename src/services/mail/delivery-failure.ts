// What a failed send means for the mail (contract, "Delivery: no mail is lost"). Only the
// recipient's or the message's refusal is final: a 5xx reply to RCPT TO or DATA, or an address or
// message nodemailer itself cannot send. Everything else (no connection, a timeout, a 4xx, a 5xx at
// the greeting, AUTH or MAIL FROM) says the server or its configuration is wrong for now: retried.

export interface DeliveryFailure {
  permanent: boolean;
  /** For the log line: the server's reply or the connection error, never the mail. */
  reason: string;
}

interface SmtpError {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

export function classifyFailure(error: unknown): DeliveryFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const refusedRecipientOrMessage = responseCode !== undefined && responseCode >= 500 && (command === 'RCPT TO' || command === 'DATA');
  // Refused before anything was sent: an address nodemailer will not take, or a message over the
  // server's advertised size. No retry can change either.
  const unsendable = (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && responseCode === undefined;
  const reply = typeof e.response === 'string' ? e.response : undefined;
  const reason = reply ?? (typeof e.message === 'string' ? e.message : String(error));
  return { permanent: refusedRecipientOrMessage || unsendable, reason: reason.replace(/\s+/g, ' ').slice(0, 300) };
}

/**
 * Seconds to wait before retry number `attempt` (1 = the first retry): `baseSeconds` doubling each
 * time, at most 10 minutes, stretched by up to a quarter at random so that senders that failed
 * together do not all come back at the same instant.
 */
export function retryDelaySeconds(attempt: number, baseSeconds: number, random: () => number = Math.random): number {
  return Math.min(MAX_RETRY_WAIT_SECONDS, baseSeconds * 2 ** Math.max(0, attempt - 1) * (1 + random() / 4));
}

export const MAX_RETRY_WAIT_SECONDS = 600;
