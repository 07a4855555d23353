// Sends calls with the official @segment/analytics-node client, as an application would, and reports what happened.
//
//   node tests/sdk/send-node.mjs HOST WRITE_KEY CALLS.json
//
// CALLS.json is a list of {"method": "track" | "identify" | "page" | "screen" | "group" | "alias", "params": {…}}
// (the client's own parameters). Prints one JSON line: {"statuses": [HTTP status of each request],
// "errors": [every error the client emitted or logged]}; exits 0 either way (the test reads the report).
import { readFileSync } from 'node:fs'
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, callsFile] = process.argv.slice(2)
const calls = JSON.parse(readFileSync(callsFile, 'utf8'))
const statuses = []
const errors = []
for (const level of ['error', 'warn']) {
  const original = console[level]
  console[level] = (...args) => { errors.push(`console.${level}: ${args.map(String).join(' ')}`); original(...args) }
}

const analytics = new Analytics({ writeKey, host, flushAt: 50, flushInterval: 200, maxRetries: 2 })
analytics.on('http_response', (response) => statuses.push(response.status))
analytics.on('error', (err) => errors.push(`${err.code}: ${err.reason ?? ''}`))
for (const call of calls) {
  analytics[call.method](call.params)
}
await analytics.closeAndFlush({ timeout: 30000 })
process.stdout.write(JSON.stringify({ statuses, errors }) + '\n')
