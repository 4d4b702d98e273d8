import * as z from 'zod';

/** One vocabulary for every vendor's agent states. */
export const AGENT_STATES = ['offline', 'idle', 'busy', 'wrapup', 'break', 'other'] as const;
export const AgentStateSchema = z.enum(AGENT_STATES);
export type AgentState = z.infer<typeof AgentStateSchema>;

/** An agent as every vendor adapter reports it. */
export const NormalizedAgentSchema = z.object({
  source: z.string(),
  agentId: z.string(),
  name: z.string(),
  groups: z.array(z.string()),
  state: AgentStateSchema,
  /** The vendor's own code, kept so rules and people can see e.g. Huawei 7 "showing busy". */
  vendorState: z.string(),
  /** Break / rest reason code where the vendor has one (Huawei currentStateReason). */
  reasonCode: z.string().optional(),
  /** The reason as people read it: "Meal (3)", or the code when the name is unknown. */
  reason: z.string().optional(),
  /** Seconds in the current state, when the vendor says so itself. */
  inStateForSec: z.number().nonnegative().optional(),
  /** A lower bound for a newly seen state (NXCloud: the whole query window was spent in it). */
  inStateAtLeastSec: z.number().nonnegative().optional(),
  /** True when the state was derived rather than reported (NXCloud). */
  inferred: z.boolean().optional(),
  /** Epoch ms of the read. */
  observedAt: z.number(),
});
export type NormalizedAgent = z.infer<typeof NormalizedAgentSchema>;
