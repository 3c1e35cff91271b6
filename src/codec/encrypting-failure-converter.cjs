/**
 * The failure converter of an encrypting kjob worker, by path (DataConverter.failureConverterPath): the worker's
 * activities and the workflow bundle load it by path, not as an object. It puts a failure's message and stack
 * trace in its encoded attributes, a payload, so the payload codec encrypts them too. CommonJS and plain
 * JavaScript, because the SDK require()s it both from the built package and from the sources under test.
 */
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
