/**
 * The SDK's version, as in package.json (server/internal/app's
 * TestTypeScriptSDKScenario checks that the two agree). It goes into the
 * User-Agent header of the Node client.
 */
export const sdkVersion = "0.1.0";
