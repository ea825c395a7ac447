// The benchmark's model built with AWS CDK: the same roles, customer managed policies and EKS
// access entries that `hyperpod-iam render` writes to CloudFormation for the spec that
// benches/run.sh generates (an admin group, an execution role, N scientist teams), synthesized
// to CloudFormation templates. Run by benches/run.sh, only when Node.js is installed:
//
//   node benches/peers/cdk/app.js TEAMS OUTDIR
//
// Like hyperpod-iam, it splits the teams over stacks of 50 (a template takes 200 outputs), so
// that what is timed deploys. It does not write Terraform or Kubernetes RBAC, which
// hyperpod-iam writes in the same run: the comparison favours CDK.
"use strict";

const cdk = require("aws-cdk-lib");
const iam = require("aws-cdk-lib/aws-iam");
const eks = require("aws-cdk-lib/aws-eks");

const [teams, outdir] = [Number(process.argv[2] || 1), process.argv[3] || "cdk.out"];
const name = "scale";
const cluster = "scale-eks";
const TEAMS_PER_STACK = 50;

const app = new cdk.App({ outdir });
const synthesizer = () => new cdk.LegacyStackSynthesizer();
const principal = new iam.ArnPrincipal(cdk.Fn.sub("arn:${AWS::Partition}:iam::111122223333:root"));
const arn = (service, resource) =>
  cdk.Fn.sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

function team(stack, id, roleName, statements, groups, accessPolicies) {
  const role = new iam.Role(stack, `${id}Role`, { roleName, assumedBy: principal });
  new iam.ManagedPolicy(stack, `${id}Policy`, {
    managedPolicyName: `${roleName}-policy`,
    statements: statements.map((s) => new iam.PolicyStatement(s)),
    roles: [role],
  });
  new eks.CfnAccessEntry(stack, `${id}AccessEntry`, {
    clusterName: cluster,
    principalArn: role.roleArn,
    type: "STANDARD",
    kubernetesGroups: groups,
    accessPolicies,
  });
  new cdk.CfnOutput(stack, `${id}RoleArn`, { value: role.roleArn });
  new cdk.CfnOutput(stack, `${id}RoleName`, { value: role.roleName });
  return role;
}

const core = new cdk.Stack(app, `${name}-iam-core`, { synthesizer: synthesizer() });
const exec = new iam.Role(core, "ExecComputeRole", {
  roleName: `${name}-exec-compute`,
  assumedBy: new iam.ServicePrincipal("sagemaker.amazonaws.com"),
  managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSageMakerClusterInstanceRolePolicy")],
});
new iam.ManagedPolicy(core, "ExecComputePolicy", {
  managedPolicyName: `${name}-exec-compute-policy`,
  statements: [
    new iam.PolicyStatement({
      actions: ["s3:GetObject", "s3:ListBucket"],
      resources: [cdk.Fn.sub("arn:${AWS::Partition}:s3:::scale-lifecycle"), cdk.Fn.sub("arn:${AWS::Partition}:s3:::scale-lifecycle/*")],
    }),
  ],
  roles: [exec],
});
team(
  core,
  "AdminOps",
  `${name}-admin-ops`,
  [
    { actions: ["sagemaker:ListClusters"], resources: ["*"] },
    { actions: ["sagemaker:CreateCluster"], resources: [arn("sagemaker", "cluster/*")] },
    { actions: ["sagemaker:DeleteCluster", "sagemaker:DescribeCluster", "sagemaker:UpdateCluster"], resources: [arn("sagemaker", "cluster/*")] },
    { actions: ["iam:PassRole"], resources: [exec.roleArn], conditions: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } },
    { actions: ["eks:DescribeCluster"], resources: [arn("eks", `cluster/${cluster}`)] },
  ],
  undefined,
  [{ policyArn: cdk.Fn.sub("arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"), accessScope: { type: "cluster" } }],
);

let stack;
for (let i = 0; i < teams; i++) {
  if (i % TEAMS_PER_STACK === 0) {
    const n = String(i / TEAMS_PER_STACK + 1).padStart(3, "0");
    stack = new cdk.Stack(app, `${name}-iam-teams-${n}`, { synthesizer: synthesizer() });
  }
  const roleName = `${name}-scientist-team${i}`;
  team(
    stack,
    `ScientistTeam${i}`,
    roleName,
    [
      { sid: "StartSession", actions: ["ssm:StartSession"], resources: ["*"] },
      { sid: "TerminateOwnSessions", actions: ["ssm:TerminateSession"], resources: [arn("ssm", "session/${!aws:userid}-*")] },
      { sid: "DescribeCluster", actions: ["sagemaker:DescribeCluster"], resources: [arn("sagemaker", "cluster/*")] },
      { sid: "ListClusters", actions: ["sagemaker:ListClusters"], resources: ["*"] },
      { sid: "DescribeEksCluster", actions: ["eks:DescribeCluster"], resources: [arn("eks", `cluster/${cluster}`)] },
    ],
    [roleName, `${name}-scientists`],
  );
}

app.synth();
