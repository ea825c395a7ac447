// Test-only: reads one case a line on stdin, JSON {"policies": [DOC...], "action", "resource",
// "context": {KEY: VALUE or [VALUES]}}, and writes one line per case on stdout: the decision of
// @cloud-copilot/iam-simulate (Allowed, ExplicitlyDenied, ImplicitlyDenied), or `error: ...`
// when it refuses the case. Run by tests/iam_simulate.rs; never part of the binary.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const principal = 'arn:aws:iam::111122223333:role/tester'
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
const out = []
for await (const line of lines) {
  if (!line.trim()) continue
  const c = JSON.parse(line)
  const simulation = {
    identityPolicies: c.policies.map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal,
      action: c.action,
      resource: { resource: c.resource, accountId: '111122223333' },
      contextVariables: c.context
    }
  }
  try {
    const response = await runSimulation(simulation, {})
    if (response.resultType === 'error') {
      out.push('error: ' + JSON.stringify(response.errors).slice(0, 300))
    } else {
      out.push(response.overallResult)
    }
  } catch (e) {
    out.push('error: ' + String(e).slice(0, 300))
  }
}
process.stdout.write(out.join('\n') + '\n')
