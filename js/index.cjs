// The CommonJS entry: the same module instance as `import 'rustls-ssl'` (Node ≥ 20.19 can
// require() an ES module), so classes and errors are shared between the two.
module.exports = require('./node.mjs');
