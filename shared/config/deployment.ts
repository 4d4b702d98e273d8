import * as z from 'zod';
import { takes } from '#shared/model/issues';

/** An EC2 resource id: `vpc-0123abcd` or `vpc-0123456789abcdef0` (8 or 17 hex digits). */
const ec2Id = (prefix: string, what: string) =>
  z
    .string({ error: `expected ${what} id like "${prefix}-0123456789abcdef0"` })
    .regex(new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`), `expected ${what} id like "${prefix}-0123456789abcdef0"`);

const unique = (ids: readonly string[]) => new Set(ids).size === ids.length;

/**
 * Where the source-reading functions (agent-status, preview-tasks) run when vendors are reachable
 * only from a VPC (an on-premise Huawei behind a VPN). The acknowledge endpoint stays outside.
 */
export const DeploymentVpcSchema = z
  .strictObject(
    {
      vpcId: ec2Id('vpc', 'a VPC'),
      /**
       * Private subnets for the functions' network interfaces, one per Availability Zone: the
       * interface endpoints take at most one subnet per zone.
       */
      subnetIds: z
        .array(ec2Id('subnet', 'a subnet'))
        .min(1, 'expected at least one subnet id')
        .max(16, 'a Lambda function takes at most 16 subnets')
        .refine(unique, 'lists a subnet twice'),
      /** The functions' security groups; without it the stack creates one (egress to 443 and the vendors' ports only). */
      securityGroupIds: z
        .array(ec2Id('sg', 'a security group'))
        .min(1, 'expected at least one security group id (or leave securityGroupIds out for a created one)')
        .max(5, 'a Lambda function takes at most 5 security groups')
        .refine(unique, 'lists a security group twice')
        .optional(),
      /**
       * How the functions reach DynamoDB, SNS and Secrets Manager from the subnets: "create" adds a
       * DynamoDB gateway endpoint (free) to routeTableIds and SNS and Secrets Manager interface
       * endpoints (private DNS) in subnetIds; "none" means the subnets already reach them (a NAT
       * gateway, or endpoints the VPC has).
       */
      endpoints: z.enum(['create', 'none'], { error: 'expected "create" or "none"' }).default('create'),
      /** The route tables of subnetIds, for the DynamoDB gateway endpoint: required with endpoints "create". */
      routeTableIds: z
        .array(ec2Id('rtb', 'a route table'))
        .min(1, 'expected at least one route table id')
        .refine(unique, 'lists a route table twice')
        .optional(),
    },
    takes('deployment.vpc', 'vpcId, subnetIds, securityGroupIds, endpoints and routeTableIds'),
  )
  .superRefine((vpc, ctx) => {
    if (vpc.endpoints === 'create' && !vpc.routeTableIds)
      ctx.addIssue({
        code: 'custom',
        path: ['routeTableIds'],
        message:
          'required with endpoints "create": the route tables of subnetIds, which get the DynamoDB gateway endpoint ' +
          '(aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=<subnet ids>; ' +
          'a subnet without an explicit association uses the VPC\'s main route table); or set endpoints to "none"',
      });
    if (vpc.endpoints === 'none' && vpc.routeTableIds)
      ctx.addIssue({
        code: 'custom',
        path: ['routeTableIds'],
        message: 'only used with endpoints "create" (for the DynamoDB gateway endpoint); with "none" nothing is added to route tables',
      });
  });
export type DeploymentVpc = z.infer<typeof DeploymentVpcSchema>;

const reserved = z
  .number({ error: 'expected a whole number of concurrent executions' })
  .int('expected a whole number of concurrent executions')
  .min(1, 'expected at least 1 (0 would stop the function; leave it out to reserve nothing)');

/**
 * Concurrent executions reserved per function. None by default: every reservation must leave the
 * account at least 10 unreserved executions, and a new account's quota is often only 10.
 */
export const ReservedConcurrencySchema = z.strictObject(
  { agentStatus: reserved.optional(), previewTasks: reserved.optional(), ack: reserved.optional() },
  takes('deployment.reservedConcurrency', 'agentStatus, previewTasks and ack'),
);
export type ReservedConcurrency = z.infer<typeof ReservedConcurrencySchema>;

/** How the stack is deployed into the account; nothing here reaches the functions' behavior. */
export const DeploymentSchema = z.strictObject(
  { vpc: DeploymentVpcSchema.optional(), reservedConcurrency: ReservedConcurrencySchema.optional() },
  takes('deployment', 'vpc and reservedConcurrency'),
);
export type Deployment = z.infer<typeof DeploymentSchema>;
