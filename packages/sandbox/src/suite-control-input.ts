/** Input schemas of the suite control operations (`/__sandbox/suites/*`). */
import { z } from 'zod';
import { describeIssues, userSchema } from './directory-schema.js';

/** Validates suite control input; bad input is a `TypeError` listing every problem (a 400 over HTTP). */
export function parseSuiteInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new TypeError(describeIssues(result.error).join('; '));
}

/** suite_id and corpid in paths and bodies: letters and digits. */
export const suiteIdSchema = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be 1–64 letters or digits');
export const corpIdSchema = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be 1–64 letters or digits');

const httpUrlSchema = z
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http or https URL')
  .refine((url) => url.length <= 2048, 'must be at most 2048 characters');

/** `state` of an install link: "a-zA-Z0-9 … 不超过128个字节". */
const installStateSchema = z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'must be 1–128 letters or digits');

export const suiteCallbackInputSchema = z.strictObject({
  url: httpUrlSchema,
  /** Send the URL verification GET first (receiveId = suite_id) and refuse the URL when it fails. Default true. */
  verify: z.boolean().optional(),
});

export const suiteInstallInputSchema = z.strictObject({
  corpid: corpIdSchema,
  /** The install link's state, echoed in create_auth and get_permanent_code. */
  state: installStateSchema.optional(),
  /** The admin who installs (auth_user_info); default the corp's first active member. */
  userid: userSchema.shape.userid.optional(),
  /** A pre-auth code from get_pre_auth_code: its set_session_info auth_type (0 official, 1 test) applies. */
  preAuthCode: z.string().min(1).max(512).optional(),
});

const departmentIdSchema = z
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);

export const suiteChangeInputSchema = z.strictObject({
  state: installStateSchema.optional(),
  /** The agent's new visible departments (allow_party). */
  allowParty: z.array(departmentIdSchema).max(1000).optional(),
  /** The agent's new visible members (allow_user). */
  allowUser: z.array(userSchema.shape.userid).max(1000).optional(),
});

export const suiteInstallListInputSchema = z.strictObject({
  /** The `nextCursor` of the previous page; empty or absent for the first. */
  cursor: z
    .string()
    .regex(/^[0-9a-z]{0,12}$/, 'must be a cursor from a previous page')
    .optional(),
  /** Installs per page, 1–10 000. Default 1000. */
  limit: z.number().int().min(1).max(10_000).optional(),
  /** `active` (default), `cancelled` or `all`. */
  status: z.enum(['active', 'cancelled', 'all']).optional(),
});

/** Input of `SuiteControl.setCallback`. */
export type SuiteCallbackInput = z.input<typeof suiteCallbackInputSchema>;
/** Input of `SuiteControl.install`. */
export type SuiteInstallInput = z.input<typeof suiteInstallInputSchema>;
/** Input of `SuiteControl.changeAuth`. */
export type SuiteChangeInput = z.input<typeof suiteChangeInputSchema>;
/** Input of `SuiteControl.installs`. */
export type SuiteInstallListInput = z.input<typeof suiteInstallListInputSchema>;
