/** Input schemas of the control operations that change the directory and configure callbacks. */
import { z } from 'zod';
import { appSchema, userSchema } from './directory-schema.js';

const idSchema = z.string().min(1).max(128);
const departmentIdSchema = z
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);

const callbackSchema = appSchema.shape.callback.unwrap();

export const setCallbackInputSchema = z.strictObject({
  corpid: idSchema.optional(),
  agentId: z.number().int().positive(),
  url: callbackSchema.shape.url,
  token: callbackSchema.shape.token,
  encodingAESKey: callbackSchema.shape.encodingAESKey,
  /** Send the URL verification GET first and refuse the URL when it fails, as WeCom does. Default true. */
  verify: z.boolean().optional(),
});

export const callbackDeliveryInputSchema = z.strictObject({
  attempts: z.number().int().min(1).max(10).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
  retryDelayMs: z.number().int().min(0).max(60_000).optional(),
});

/**
 * Overrides of a replayed delivery. Any letters and digits (or none), so a test can send what a forger would: a
 * 12-digit timestamp, a nonce shortened by the digits moved into it.
 */
export const callbackReplayInputSchema = z.strictObject({
  timestamp: z
    .string()
    .regex(/^[A-Za-z0-9]{0,64}$/, 'must be at most 64 letters or digits')
    .optional(),
  nonce: z
    .string()
    .regex(/^[A-Za-z0-9]{0,64}$/, 'must be at most 64 letters or digits')
    .optional(),
});

const userShape = userSchema.shape;
/** The member fields an admin can change; `newUserid` renames the member. */
export const userPatchSchema = z.strictObject({
  corpid: idSchema.optional(),
  newUserid: userShape.userid.optional(),
  name: userShape.name.optional(),
  department: userShape.department.optional(),
  main_department: departmentIdSchema.optional(),
  is_leader_in_dept: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
  direct_leader: z.array(userShape.userid).max(5).optional(),
  position: z.string().optional(),
  mobile: z.string().optional(),
  gender: z.enum(['0', '1', '2']).optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  status: userShape.status.optional(),
  avatar: z.string().optional(),
  alias: z.string().optional(),
  telephone: z.string().optional(),
  address: z.string().optional(),
});

export const corpOnlySchema = z.strictObject({ corpid: idSchema.optional() });

export const departmentCreateSchema = z.strictObject({
  corpid: idSchema.optional(),
  id: departmentIdSchema.optional(),
  name: z.string().min(1),
  name_en: z.string().optional(),
  parentid: departmentIdSchema,
  order: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
});

export const departmentPatchSchema = z.strictObject({
  corpid: idSchema.optional(),
  name: z.string().min(1).optional(),
  name_en: z.string().optional(),
  parentid: departmentIdSchema.optional(),
  order: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
});

/** Input of `SandboxControl.setCallback`; corpid defaults to the first corp. */
export type SetCallbackInput = z.input<typeof setCallbackInputSchema>;
/** Input of `SandboxControl.configureCallbacks`. */
export type CallbackDeliveryInput = z.input<typeof callbackDeliveryInputSchema>;
/** Input of `SandboxControl.replayCallback`. */
export type CallbackReplayInput = z.input<typeof callbackReplayInputSchema>;
/** Input of `SandboxControl.updateUser`. */
export type UserPatchInput = z.input<typeof userPatchSchema>;
/** Input of `SandboxControl.createDepartment`; id defaults to the largest id + 1. */
export type DepartmentCreateInput = z.input<typeof departmentCreateSchema>;
/** Input of `SandboxControl.updateDepartment`. */
export type DepartmentPatchInput = z.input<typeof departmentPatchSchema>;
