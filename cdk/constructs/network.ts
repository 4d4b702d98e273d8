import { Stack } from 'aws-cdk-lib';
import {
  CfnVPCEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  Subnet,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { DeploymentVpc } from '#shared/config/deployment';

/** Where a function's network interfaces go: the subnets of a VPC, behind security groups. */
export interface FunctionPlacement {
  vpc: IVpc;
  subnets: ISubnet[];
  securityGroups: ISecurityGroup[];
}

export interface SourceNetworkProps {
  vpc: DeploymentVpc;
  /** The vendors' base URLs: their ports are what a created security group lets out, besides 443. */
  vendorUrls: readonly string[];
}

/**
 * The configured VPC for the source-reading functions: its subnets, their security groups (a
 * created one unless given), and, with endpoints "create", the ways to DynamoDB, SNS and Secrets
 * Manager without a NAT: a DynamoDB gateway endpoint on the subnets' route tables and SNS and
 * Secrets Manager interface endpoints (private DNS) in the subnets.
 *
 * Nothing is looked up at synth (it stays offline), so the VPC and subnets are imported by id and
 * the endpoints are CloudFormation resources of their own: the L2 interface endpoint needs each
 * subnet's Availability Zone, which only a lookup would know.
 */
export class SourceNetwork extends Construct {
  readonly placement: FunctionPlacement;
  readonly endpoints: CfnVPCEndpoint[] = [];

  constructor(scope: Construct, id: string, props: SourceNetworkProps) {
    super(scope, id);
    const cfg = props.vpc;
    // the zones are not used (the subnets are given by id), but an imported VPC must name some
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: cfg.vpcId, availabilityZones: Stack.of(this).availabilityZones });
    const subnets = cfg.subnetIds.map((subnetId) => Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId));
    let securityGroups: ISecurityGroup[];
    if (cfg.securityGroupIds) {
      // the operator's groups, as they are: their egress must reach 443 and the vendors
      securityGroups = cfg.securityGroupIds.map((sg) => SecurityGroup.fromSecurityGroupId(this, `Sg-${sg}`, sg, { mutable: false }));
    } else {
      // Not all-egress: the functions speak only to AWS APIs (443) and to the configured vendors,
      // whose ports come from their base URLs (an on-premise Huawei on 28080). Nothing comes in.
      // DNS: security groups do not filter the VPC's Amazon resolver, but a VPC whose DHCP options
      // name the company's own DNS servers (common where the vendor is on premises) needs port 53.
      const sg = new SecurityGroup(this, 'FunctionsSg', {
        vpc,
        allowAllOutbound: false,
        description: 'ccwatch source-reading functions: HTTPS to AWS APIs and the vendors, the vendors ports',
      });
      for (const port of egressPorts(props.vendorUrls))
        sg.addEgressRule(Peer.anyIpv4(), Port.tcp(port), port === 443 ? 'HTTPS: AWS APIs and vendors' : 'a vendor base URL port');
      sg.addEgressRule(Peer.anyIpv4(), Port.udp(53), 'DNS, where the VPC uses its own resolvers');
      sg.addEgressRule(Peer.anyIpv4(), Port.tcp(53), 'DNS over TCP (large answers)');
      securityGroups = [sg];
    }
    this.placement = { vpc, subnets, securityGroups };

    if (cfg.endpoints === 'create') {
      // free: DynamoDB traffic leaves through the subnets' route tables
      this.endpoints.push(
        new CfnVPCEndpoint(this, 'DynamoDb', {
          vpcId: cfg.vpcId,
          vpcEndpointType: 'Gateway',
          serviceName: GatewayVpcEndpointAwsService.DYNAMODB.name,
          routeTableIds: [...cfg.routeTableIds!],
        }),
      );
      const endpointSg = new SecurityGroup(this, 'EndpointsSg', {
        vpc,
        allowAllOutbound: false,
        description: 'ccwatch interface endpoints: HTTPS from the source-reading functions only',
      });
      for (const sg of securityGroups)
        endpointSg.addIngressRule(Peer.securityGroupId(sg.securityGroupId), Port.tcp(443), 'HTTPS from the ccwatch functions');
      // priced per hour per Availability Zone, each (README, "Deploying")
      for (const [name, service] of [
        ['Sns', InterfaceVpcEndpointAwsService.SNS],
        ['SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ] as const) {
        this.endpoints.push(
          new CfnVPCEndpoint(this, name, {
            vpcId: cfg.vpcId,
            vpcEndpointType: 'Interface',
            serviceName: service.name,
            subnetIds: [...cfg.subnetIds],
            securityGroupIds: [endpointSg.securityGroupId],
            // the SDK's usual host names resolve to the endpoint inside the VPC: no client change
            privateDnsEnabled: true,
          }),
        );
      }
    }
  }
}

/** 443, and the port of every vendor base URL (its scheme's default when it names none). */
export function egressPorts(urls: readonly string[]): number[] {
  const ports = new Set([443]);
  for (const u of urls) {
    const url = new URL(u);
    ports.add(url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443);
  }
  return [...ports].sort((a, b) => a - b);
}
