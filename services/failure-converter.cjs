// The failure converter of every Temporal client, worker, workflow bundle and replayer (see
// `payloadDataConverter` in payload-codec.ts): error messages and stack traces of activity,
// workflow and Update failures go into a payload (`encodedAttributes`), which the payload codec
// then encrypts, so applicant data in a failure message is never stored in clear in history.
// Failures recorded before (plain message) still decode: the SDK reads both forms.
//
// CommonJS on purpose: the SDK `require()`s `failureConverterPath` at run time (Node 20 cannot
// require an ES module) and webpack bundles the same file into the workflow bundle.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
