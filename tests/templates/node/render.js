// Renders test cases with the reference handlebars.js.
// stdin: JSON [{"template": str, "data": any, "options": {...}}]
// stdout: JSON [{"output": str} | {"error": str}] in the same order.
'use strict';
const Handlebars = require('handlebars');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const results = JSON.parse(input).map(({ template, data, options }) => {
    try {
      const env = Handlebars.create();
      env.log = () => {};  // {{log}} must not write into our stdout
      return { output: env.compile(template, options || {})(data) };
    } catch (error) {
      return { error: String(error && error.message ? error.message : error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
