// Type checks that hold for values of another JS realm, where `instanceof` fails: Jest runs
// an app's tests (and this package) in a realm of its own, while Node's own modules answer
// with the outer realm's objects (`fs.readFileSync` gives the outer realm's Buffer, a
// Uint8Array that is not `instanceof` the test's Uint8Array). By the built-in tag instead.
const tag = (value) => Object.prototype.toString.call(value);

/** A Uint8Array (a Node Buffer included) of any realm. */
export const isUint8Array = (value) => ArrayBuffer.isView(value) && tag(value) === "[object Uint8Array]";
/** An ArrayBuffer of any realm. */
export const isArrayBuffer = (value) => tag(value) === "[object ArrayBuffer]";
/** A Date of any realm. */
export const isDate = (value) => tag(value) === "[object Date]";
/** A Set of any realm. */
export const isSet = (value) => tag(value) === "[object Set]";
